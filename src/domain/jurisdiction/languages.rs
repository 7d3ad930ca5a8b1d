//! The languages the immigration courts assign interpreters by (`config/jurisdiction/
//! eoir_languages.csv`, the court's 718 codes, CC0, from the Deportation Data Project), with the
//! Spanish and English names of the languages Mexican nationals most often speak
//! (`language_names.csv`), so that an officer picks "mixteco" or "Mixtec" and the record holds
//! the court's own code (MIX).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Lower case without accents: "Náhuatl" finds "NAHUATL". (Its own, as `search::fold` is, so
/// that this table stays a leaf the checkpoint checks can use.)
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

const EOIR: &str = include_str!("../../../config/jurisdiction/eoir_languages.csv");
const NAMES: &str = include_str!("../../../config/jurisdiction/language_names.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    /// The court's code (`MIX`).
    pub code: String,
    /// The court's name (`MIXTECO`).
    pub court_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub es: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Language {
    /// Our name in Spanish (`es`) or English where we have one, else the court's, with the code:
    /// "mixteco (MIX)".
    pub fn label(&self, spanish: bool) -> String {
        let name = if spanish {
            self.es.as_deref()
        } else {
            self.en.as_deref()
        };
        format!("{} ({})", name.unwrap_or(&self.court_name), self.code)
    }
}

/// What a name picked.
#[derive(Debug, PartialEq)]
pub enum Picked<'a> {
    One(&'a Language),
    /// Several languages match: the officer says which (at most a few, the closest first).
    Several(Vec<&'a Language>),
    None,
}

pub struct Languages {
    list: Vec<Language>,
}

impl Languages {
    pub fn builtin() -> &'static Languages {
        static L: std::sync::OnceLock<Languages> = std::sync::OnceLock::new();
        L.get_or_init(|| Languages::parse(EOIR, NAMES).expect("the shipped language codes read"))
    }

    pub fn parse(eoir: &str, names: &str) -> Result<Languages, String> {
        let mut list: Vec<Language> = csv::Reader::from_reader(eoir.as_bytes())
            .records()
            .map(|r| {
                let r = r.map_err(|e| format!("eoir_languages.csv: {e}"))?;
                Ok(Language {
                    code: r[0].trim().to_string(),
                    court_name: r[1].trim().to_string(),
                    es: None,
                    en: None,
                })
            })
            .collect::<Result<_, String>>()?;
        for r in csv::Reader::from_reader(names.as_bytes()).records() {
            let r = r.map_err(|e| format!("language_names.csv: {e}"))?;
            let l = list
                .iter_mut()
                .find(|l| l.code == r[0].trim())
                .ok_or_else(|| format!("language_names.csv: no court code {}", &r[0]))?;
            l.es = Some(r[1].trim().to_string());
            l.en = Some(r[2].trim().to_string());
        }
        Ok(Languages { list })
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Language> {
        let code = code.trim();
        self.list.iter().find(|l| l.code.eq_ignore_ascii_case(code))
    }

    /// A code or a name in either language, accents and case aside: the code itself, else a
    /// name equal to what was typed, else the names that contain it (ours first).
    pub fn pick(&self, typed: &str) -> Picked<'_> {
        let want = fold(typed.trim());
        if want.is_empty() {
            return Picked::None;
        }
        if let Some(l) = self.get(typed) {
            return Picked::One(l);
        }
        let names = |l: &Language| {
            [
                l.es.as_deref(),
                l.en.as_deref(),
                Some(l.court_name.as_str()),
            ]
            .into_iter()
            .flatten()
            .map(fold)
            .collect::<Vec<_>>()
        };
        if let Some(l) = self.list.iter().find(|l| names(l).contains(&want)) {
            return Picked::One(l);
        }
        let mut found: Vec<&Language> = self
            .list
            .iter()
            .filter(|l| names(l).iter().any(|n| n.contains(&want)))
            .collect();
        found.sort_by_key(|l| l.es.is_none());
        match found.len() {
            0 => Picked::None,
            1 => Picked::One(found[0]),
            _ => {
                found.truncate(8);
                Picked::Several(found)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_courts_718_codes_read_and_our_names_find_them_in_either_language() {
        let l = Languages::builtin();
        assert_eq!(l.len(), 718);
        for (typed, code) in [
            ("mixteco", "MIX"),
            ("Mixtec", "MIX"),
            ("NÁHUATL", "NAH"),
            ("nahuatl", "NAH"),
            ("Triqui", "TRI"),
            ("purepecha", "PUA"),
            ("maya yucateco", "YUC"),
            ("tzo", "TZO"),
            ("Zapotec", "ZAP"),
        ] {
            match l.pick(typed) {
                Picked::One(found) => assert_eq!(found.code, code, "{typed}"),
                other => panic!("{typed}: {other:?}"),
            }
        }
        assert_eq!(l.get("MIX").unwrap().label(true), "mixteco (MIX)");
    }

    #[test]
    fn a_part_of_several_names_asks_which_and_nonsense_finds_none() {
        let l = Languages::builtin();
        assert!(matches!(l.pick("otomi"), Picked::One(x) if x.code == "OTN"));
        assert!(matches!(l.pick("quichua"), Picked::Several(v) if v.len() > 1));
        assert_eq!(l.pick("klingonés"), Picked::None);
        assert_eq!(l.pick("  "), Picked::None);
    }
}
