//! Any body a phone or a console could send: parsing and validating it never panics, and an
//! accepted alert, profile, checkpoint or intake re-serializes to one SSE-safe line.
#![no_main]

use guardia::api::{AlertRequest, CheckpointRequest, EnrollRequest, IntakeRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = chrono::Utc::now();
    if let Ok(a) = serde_json::from_slice::<AlertRequest>(data) {
        let _ = guardia::domain::validate::alert(&a);
    }
    if let Ok(p) = serde_json::from_slice::<EnrollRequest>(data)
        && let Ok(valid) = guardia::domain::validate::profile(&p, now.date_naive())
    {
        let line = serde_json::to_string(&valid).unwrap();
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    if let Ok(c) = serde_json::from_slice::<CheckpointRequest>(data) {
        let _ = guardia::domain::checkpoint::checkpoint(&c, now);
    }
    if let Ok(i) = serde_json::from_slice::<IntakeRequest>(data) {
        let _ = guardia::domain::intake::validate(&i);
    }
});
