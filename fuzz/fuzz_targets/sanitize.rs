//! Whatever bytes arrive, the sanitizer's output is clean, stable, and the validators never panic.
#![no_main]

use guardia::domain::sanitize::{Lines, is_forbidden, sanitize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for lines in [Lines::One, Lines::Many] {
        let once = sanitize(&text, lines);
        assert!(
            once.chars()
                .all(|c| !is_forbidden(c) || (lines == Lines::Many && c == '\n'))
        );
        assert_eq!(sanitize(&once, lines), once);
    }
    let _ = guardia::domain::validate::text("f", &text, 200);
    let _ = guardia::domain::validate::phone("f", &text);
    let _ = guardia::domain::checkpoint::a_number("f", &text);
    let _ = guardia::domain::checkpoint::money("f", &text);
    let _ = guardia::domain::checkpoint::parse_datetime(&text);
    let _ = guardia::config::places().lookup(&text);
});
