//! Time zones: times are stored in UTC and shown in the practice's zone (an IANA name,
//! `practice.time_zone`). Lists send times to the browser as RFC 3339 with the practice's
//! offset (`2026-12-01T20:05:00+00:00` in London in winter, `…+01:00` in summer), so the
//! browser shows the practice's wall-clock time without carrying a time-zone database.
//! The audit CSV export stays in UTC.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::platform::entities::practice;

/// The zone named `name`, if it is an IANA zone (`Europe/London`, `UTC`).
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone of a practice already loaded (UTC if its zone is not one).
pub fn of(p: &practice::Model) -> Tz {
    parse(&p.time_zone).unwrap_or(Tz::UTC)
}

/// The practice's zone (UTC when the practice or its zone is unknown).
pub async fn of_practice<C: ConnectionTrait>(db: &C, practice_id: &str) -> Result<Tz, sea_orm::DbErr> {
    Ok(practice::Entity::find_by_id(practice_id.to_owned()).one(db).await?.map_or(Tz::UTC, |p| of(&p)))
}

/// `t` as RFC 3339 with the zone's offset at that instant.
pub fn rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

/// `t` as a short wall-clock time with the zone's abbreviation: "20:06 GMT".
pub fn clock(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// `t` as the staff app shows instants (`app::domain::sharing::DAY_TIME`): "6 Dec 2026, 14:05".
pub fn day_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format(app::domain::sharing::DAY_TIME).to_string()
}

/// `t` as date and time with the zone's abbreviation: "2026-12-01 20:06 GMT".
pub fn date_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_practice_zone_with_its_offset() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 20, 5, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 20, 5, 0).unwrap();
        let london = parse("Europe/London").unwrap();
        assert_eq!(rfc3339(winter, london), "2026-12-01T20:05:00+00:00");
        assert_eq!(rfc3339(summer, london), "2026-07-01T21:05:00+01:00");
        let ny = parse(" America/New_York ").unwrap();
        assert_eq!(clock(winter, ny), "15:05 EST");
        assert_eq!(date_time(summer, ny), "2026-07-01 16:05 EDT");
        assert!(parse("Mars/Olympus_Mons").is_none());
        assert!(parse("").is_none());
    }
}
