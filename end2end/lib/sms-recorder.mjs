// A stand-in for Twilio's REST API for the end-to-end suite: accepts
// POST /2010-04-01/Accounts/{sid}/Messages.json and .../Calls.json (form-encoded, basic
// auth), records each request, and lists them at GET /messages (JSON, oldest first).
import http from 'node:http';

const port = Number(process.argv[2]);
const messages = [];

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/messages') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(messages));
      return;
    }
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const sid = (m[2] === 'Calls' ? 'CA' : 'SM') + Math.random().toString(16).slice(2).padEnd(32, '0');
      messages.push({
        at: new Date().toISOString(),
        account: m[1],
        channel: m[2] === 'Calls' ? 'voice' : 'sms',
        to: form.To,
        from: form.From,
        text: form.Body ?? form.Twiml ?? '',
        authorized: (req.headers.authorization ?? '').startsWith('Basic '),
        sid,
      });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid, status: 'queued' }));
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`sms recorder on ${port}`));
