//! The one sanitizer every network string passes through before a screen, a log or an export.
//!
//! Terminals interpret more than printable text: C0/C1 controls, ESC-introduced sequences (CSI,
//! OSC 8 hyperlinks, OSC 52 clipboard writes, DCS), a bare `\r` that lets a later string overwrite
//! an earlier one, and Unicode bidi controls that reorder what a reader sees. None of those can
//! carry meaning in a name or a note, so they are removed or replaced, never interpreted.

/// What a field may keep. Notes keep newlines; every other field is one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// True for characters that must never reach a terminal or a file sink.
pub fn is_forbidden(c: char) -> bool {
    let cp = c as u32;
    // C0 controls (including ESC), DEL and C1 controls.
    cp < 0x20 || (0x7f..=0x9f).contains(&cp)
        // Bidi embeddings, overrides and isolates, plus the implicit marks.
        || matches!(cp, 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0x061c)
        // Zero-width characters that hide text or split look-alike names.
        || matches!(cp, 0x200b..=0x200d | 0x2060 | 0xfeff)
        // Interlinear annotation and object replacement characters.
        || matches!(cp, 0xfff9..=0xfffc)
        // Unassigned-in-practice line and paragraph separators that some terminals honour.
        || matches!(cp, 0x2028 | 0x2029)
        || is_invisible(cp)
}

/// Characters that print as nothing (or as blank space that is not a space) and so hide text
/// from the person reading it: the soft hyphen, the combining grapheme joiner, Hangul fillers,
/// invisible operators and deprecated format controls, Khmer inherent vowels, the Mongolian
/// vowel separator, musical formatting controls, tag characters (which smuggle a whole hidden
/// ASCII message after a visible word), noncharacters and private-use code points (which mean
/// nothing shared).
fn is_invisible(cp: u32) -> bool {
    matches!(
        cp,
        0x00ad
            | 0x034f
            | 0x115f
            | 0x1160
            | 0x17b4
            | 0x17b5
            | 0x180e
            | 0x2061..=0x2064
            | 0x206a..=0x206f
            | 0x3164
            | 0xffa0
            | 0xfffe
            | 0xffff
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe007f
            | 0xe000..=0xf8ff
            | 0xf0000..=0x10ffff
    )
}

/// Returns a copy of `input` that is safe to print. Escape sequences are dropped whole (not just
/// their ESC byte, so `ESC ] 52 ; ...` does not leave a visible `]52;...` that still confuses a
/// reader), tabs become spaces, and every other forbidden character becomes U+FFFD so that a
/// reader can see something was there.
pub fn sanitize(input: &str, lines: Lines) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI/OSC/DCS/PM/APC/SOS introducers start sequences just like their ESC forms.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            '\t' => out.push(' '),
            '\n' if lines == Lines::Many => out.push('\n'),
            '\r' if lines == Lines::Many && chars.peek() == Some(&'\n') => {}
            c if is_forbidden(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Whether `input` already passes through [`sanitize`] unchanged.
pub fn is_clean(input: &str, lines: Lines) -> bool {
    input
        .chars()
        .all(|c| !is_forbidden(c) || (lines == Lines::Many && c == '\n'))
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-byte escapes (ESC c, ESC 7, ...) and intermediate-byte forms (ESC ( B).
        Some(c) if (' '..='/').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !(' '..='/').contains(&n) {
                    break;
                }
            }
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates run until a final byte in 0x40..=0x7e.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // OSC, DCS and friends end at BEL, ST (ESC \) or the C1 ST; a missing terminator eats the rest,
    // which is what a terminal would do too.
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strips_osc52_clipboard_write_whole() {
        let s = sanitize("Ana\u{1b}]52;c;ZXZpbA==\u{7} Ruiz", Lines::One);
        assert_eq!(s, "Ana Ruiz");
    }

    #[test]
    fn strips_osc8_hyperlink_and_keeps_label() {
        let s = sanitize(
            "\u{1b}]8;;http://x\u{1b}\\click\u{1b}]8;;\u{1b}\\",
            Lines::One,
        );
        assert_eq!(s, "click");
    }

    #[test]
    fn strips_csi_and_c1_csi() {
        assert_eq!(sanitize("a\u{1b}[21tb\u{9b}2Jc", Lines::One), "abc");
    }

    #[test]
    fn replaces_carriage_return_and_bidi() {
        assert_eq!(
            sanitize("pay\rfree\u{202e}cba", Lines::One),
            "pay\u{fffd}free\u{fffd}cba"
        );
    }

    #[test]
    fn notes_keep_newlines_and_crlf_collapses() {
        assert_eq!(sanitize("a\r\nb\nc", Lines::Many), "a\nb\nc");
        assert_eq!(sanitize("a\nb", Lines::One), "a\u{fffd}b");
    }

    #[test]
    fn keeps_accents_and_indigenous_orthography() {
        let s = "José Ñúñez ꞌAꞌa Xochitl Mixtéco";
        assert_eq!(sanitize(s, Lines::One), s);
    }

    proptest! {
        #[test]
        fn output_never_holds_a_forbidden_char(s in any::<String>()) {
            let out = sanitize(&s, Lines::One);
            prop_assert!(out.chars().all(|c| !is_forbidden(c)));
            prop_assert!(is_clean(&out, Lines::One));
        }

        #[test]
        fn sanitize_is_idempotent(s in any::<String>()) {
            let once = sanitize(&s, Lines::Many);
            prop_assert_eq!(sanitize(&once, Lines::Many), once.clone());
        }

        #[test]
        fn clean_text_is_unchanged(s in "[a-zA-Z0-9 áéíóúñÑ.,'-]{0,40}") {
            prop_assert_eq!(sanitize(&s, Lines::One), s);
        }
    }
}
