//! Every page: sign-in flow (`auth`), staff app (`staff`), and the server-rendered public
//! pages (`intake`, `portal`), which ship no WebAssembly and so are compiled for the
//! server only.
pub mod auth;
#[cfg(feature = "ssr")]
pub mod intake;
#[cfg(feature = "ssr")]
pub mod portal;
pub mod staff;
