//! What `guardia admin`, `guardia verify` and the one-shot reports say to the person at the
//! shell, in the configured language. The commands decide; these are only their words.

use super::{Lang, role};
use crate::domain::staff::Role;

/// One thing a command says.
#[derive(Debug, Clone, PartialEq)]
pub enum Said<'a> {
    /// A member (or a lawyer) added, with the token shown this once.
    Added {
        id: i64,
        token: &'a str,
    },
    RoleNow {
        id: i64,
        role: Role,
    },
    NewToken {
        id: i64,
        token: &'a str,
    },
    /// Disabled (or enabled); `changed` false when it already was.
    Disabled {
        id: i64,
        disabled: bool,
        changed: bool,
    },
    DeviceRevoked {
        id: i64,
        changed: bool,
    },
    /// Something went wrong with member `id` (the store's words follow).
    AboutStaff {
        id: i64,
        error: String,
    },
    AboutDevice {
        id: i64,
        error: String,
    },
    ExportMatches,
    ExportNoSeal {
        file: String,
    },
    ExportSealDiffers {
        hub: String,
    },
    ExportEdited {
        line: usize,
    },
    VerifyWhat,
    HeadNotRecorded {
        db: String,
    },
    HeadNow {
        seq: u64,
    },
    CopyDoesNotVerify {
        out: String,
    },
    BackupWritten {
        out: String,
        key: String,
    },
    Reading {
        file: String,
    },
    NoToken,
    RetentionOff,
    NotATime {
        typed: String,
    },
    Retained {
        days: u32,
        before: String,
        cases: Vec<u64>,
        keys: usize,
        held: usize,
    },
    HoldNeedsReason,
    HoldReasonNotPlain {
        max: usize,
    },
    Hold {
        case: u64,
        on: bool,
        changed: bool,
    },
    AboutCase {
        case: u64,
        error: String,
    },
    /// The console (or the demo) started without a terminal to draw on.
    NeedsTerminal,
    /// `--lang` given something other than es or en.
    UnknownLang {
        typed: String,
    },
    /// `guardia demo --as` given a role the demo does not play.
    UnknownDemoRole {
        typed: String,
    },
}

pub fn say(lang: Lang, said: &Said<'_>) -> String {
    use Said::*;
    let es = lang == Lang::Es;
    match said {
        Added { id, token } if es => format!(
            "número de personal {id}\nclave (se muestra una sola vez; guárdela en un lugar seguro): {token}"
        ),
        Added { id, token } => {
            format!("staff id {id}\ntoken (shown once; store it safely): {token}")
        }
        RoleNow { id, role: r } if es => format!("el personal {id} ahora es {}", role(lang, *r)),
        RoleNow { id, role: r } => format!("staff id {id} is now {}", role(lang, *r)),
        NewToken { id, token } if es => format!(
            "personal {id}: clave nueva (se muestra una sola vez; guárdela en un lugar seguro): {token}"
        ),
        NewToken { id, token } => {
            format!("staff id {id}: new token (shown once; store it safely): {token}")
        }
        Disabled {
            id,
            disabled,
            changed,
        } => match (es, disabled, changed) {
            (true, true, true) => format!("la clave del personal {id} quedó sin efecto"),
            (true, true, false) => format!("la clave del personal {id} ya estaba sin efecto"),
            (true, false, true) => format!("la clave del personal {id} vuelve a funcionar"),
            (true, false, false) => format!("la clave del personal {id} ya funcionaba"),
            (false, true, true) => format!("staff id {id} disabled"),
            (false, true, false) => format!("staff id {id} was already disabled"),
            (false, false, true) => format!("staff id {id} enabled"),
            (false, false, false) => format!("staff id {id} was already enabled"),
        },
        DeviceRevoked { id, changed } => match (es, changed) {
            (true, true) => format!("el teléfono {id} quedó sin efecto"),
            (true, false) => format!("el teléfono {id} ya estaba sin efecto"),
            (false, true) => format!("device {id} revoked"),
            (false, false) => format!("device {id} was already revoked"),
        },
        AboutStaff { id, error } if es => format!("personal {id}: {error}"),
        AboutStaff { id, error } => format!("staff id {id}: {error}"),
        AboutDevice { id, error } if es => format!("teléfono {id}: {error}"),
        AboutDevice { id, error } => format!("device {id}: {error}"),
        ExportMatches if es => {
            "correcto: la exportación es el registro del hub tal como se selló".into()
        }
        ExportMatches => "ok: the export is the hub's record as sealed".into(),
        ExportNoSeal { file } if es => format!("{file}: no tiene la línea del sello al final"),
        ExportNoSeal { file } => format!("{file}: no seal line at its end"),
        ExportSealDiffers { hub } if es => format!(
            "el sello del hub para ese evento es {hub}: esta exportación no se hizo de este registro"
        ),
        ExportSealDiffers { hub } => format!(
            "the hub's seal for that event is {hub}: this export was not made from this record"
        ),
        ExportEdited { line } if es => format!(
            "la línea {line} no coincide con el registro del hub: la exportación fue modificada"
        ),
        ExportEdited { line } => {
            format!("line {line} differs from the hub's record: the export was edited")
        }
        VerifyWhat if es => "indique --db ARCHIVO o --export ARCHIVO".into(),
        VerifyWhat => "give --db FILE or --export FILE".into(),
        HeadNotRecorded { db } if es => {
            format!("{db} no pasa la revisión: no se anotó dónde termina")
        }
        HeadNotRecorded { db } => format!("{db} does not verify: its head was not recorded"),
        HeadNow { seq } if es => format!("el registro termina ahora en el evento {seq}"),
        HeadNow { seq } => format!("the head is now seq {seq}"),
        CopyDoesNotVerify { out } if es => format!("la copia en {out} no pasa la revisión"),
        CopyDoesNotVerify { out } => format!("the copy at {out} does not verify"),
        BackupWritten { out, key } if es => {
            format!("respaldo escrito en {out} (su archivo de llaves: {key})")
        }
        BackupWritten { out, key } => format!("backup written to {out} (its key: {key})"),
        Reading { file } if es => format!("al leer {file}"),
        Reading { file } => format!("reading {file}"),
        NoToken if es => {
            "no hay clave de personal: defina GUARDIA_TOKEN o console.token en el archivo de \
             configuración"
                .into()
        }
        NoToken => "no staff token: set GUARDIA_TOKEN or console.token in the config file".into(),
        RetentionOff if es => "[retention] closed_case_days vale 0: nunca se borra nada".into(),
        RetentionOff => "[retention] closed_case_days is 0: nothing is ever erased".into(),
        NotATime { typed } if es => {
            format!("--now {typed}: no es una fecha y hora RFC 3339 (p. ej. 2028-01-01T00:00:00Z)")
        }
        NotATime { typed } => {
            format!("--now {typed}: not an RFC 3339 time (e.g. 2028-01-01T00:00:00Z)")
        }
        Retained {
            days,
            before,
            cases,
            keys,
            held,
        } => {
            let list = if cases.is_empty() {
                lang.pick("ninguno", "none").to_string()
            } else {
                cases
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let n = cases.len();
            if es {
                format!(
                    "cerrados hace más de {days} días antes de {before}: {n} caso(s) borrado(s) \
                     ({list}), {keys} llave(s) destruida(s), {held} caso(s) conservado(s) bajo \
                     resguardo legal"
                )
            } else {
                format!(
                    "closed more than {days} days before {before}: {n} case(s) erased ({list}), \
                     {keys} key(s) destroyed, {held} case(s) kept under a legal hold"
                )
            }
        }
        HoldNeedsReason if es => "--reason: diga en qué se funda el resguardo".into(),
        HoldNeedsReason => "--reason: say what the hold rests on".into(),
        HoldReasonNotPlain { max } if es => format!(
            "--reason: escriba texto simple en una línea, sin caracteres de control ni invisibles, \
             de hasta {max} caracteres"
        ),
        HoldReasonNotPlain { max } => format!(
            "--reason: write plain text on one line, with no control or invisible characters, \
             at most {max} characters"
        ),
        Hold { case, on, changed } => match (es, on, changed) {
            (true, true, true) => format!("el caso {case} queda bajo resguardo legal"),
            (true, false, true) => format!("se levantó el resguardo legal del caso {case}"),
            (true, true, false) => format!("el caso {case} ya estaba bajo resguardo legal"),
            (true, false, false) => format!("el caso {case} no tenía resguardo legal"),
            (false, true, true) => format!("case {case} is under a legal hold"),
            (false, false, true) => format!("case {case}'s legal hold is lifted"),
            (false, true, false) => format!("case {case} was already under a legal hold"),
            (false, false, false) => format!("case {case} had no legal hold"),
        },
        AboutCase { case, error } if es => format!("caso {case}: {error}"),
        AboutCase { case, error } => format!("case {case}: {error}"),
        NeedsTerminal if es => "La consola necesita una terminal interactiva: ejecute guardia \
             desde una terminal, sin redirigir la entrada ni la salida"
            .into(),
        NeedsTerminal => "The console needs an interactive terminal: run guardia from a \
             terminal, without redirecting its input or output"
            .into(),
        UnknownLang { typed } if es => {
            format!("--lang acepta es (español) o en (inglés), no «{typed}»")
        }
        UnknownLang { typed } => {
            format!("--lang takes es (Spanish) or en (English), not `{typed}`")
        }
        UnknownDemoRole { typed } if es => format!(
            "--as acepta officer (oficial de guardia), lawyer (abogado) o supervisor, no «{typed}»"
        ),
        UnknownDemoRole { typed } => {
            format!("--as takes officer (duty officer), lawyer or supervisor, not `{typed}`")
        }
    }
}

/// A consulate id that is not on the list: the wrong value, the closest ids (or all of them),
/// and where the list comes from.
pub fn unknown_consulate(
    lang: Lang,
    given: &str,
    close: &[&str],
    ids: &[&str],
    source: &str,
) -> String {
    let quoted = |v: &[&str]| v.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>();
    match (lang, close) {
        (Lang::Es, []) => format!(
            "no existe el consulado `{given}`; los identificadores (de {source}) son: {}",
            ids.join(", ")
        ),
        (Lang::En, []) => format!(
            "unknown consulate `{given}`; the ids (from {source}) are: {}",
            ids.join(", ")
        ),
        (Lang::Es, [one]) => {
            format!(
                "no existe el consulado `{given}`: ¿quiso decir `{one}`? (identificadores: {source})"
            )
        }
        (Lang::En, [one]) => {
            format!("unknown consulate `{given}`: did you mean `{one}`? (ids: {source})")
        }
        (Lang::Es, [rest @ .., last]) => format!(
            "no existe el consulado `{given}`: ¿quiso decir {} o `{last}`? (identificadores: {source})",
            quoted(rest).join(", ")
        ),
        (Lang::En, [rest @ .., last]) => format!(
            "unknown consulate `{given}`: did you mean {} or `{last}`? (ids: {source})",
            quoted(rest).join(", ")
        ),
    }
}

/// A role typed on the command line that cannot be given as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleMistake {
    Unknown,
    SupervisorWhere,
    OfficerWhere,
    NationalNotSupervisor(Role),
}

pub fn role_mistake(lang: Lang, mistake: RoleMistake, typed: &str) -> String {
    use RoleMistake::*;
    match (lang, mistake) {
        (Lang::Es, Unknown) => {
            format!("no existe el rol `{typed}`: officer, lawyer, supervisor o admin")
        }
        (Lang::En, Unknown) => format!("unknown role `{typed}`: officer, lawyer, supervisor or admin"),
        (Lang::Es, SupervisorWhere) => "un supervisor necesita --consulate ID, o --national para ver \
                                        los casos de todos los consulados"
            .into(),
        (Lang::En, SupervisorWhere) => {
            "a supervisor needs --consulate ID, or --national to see every consulate's cases".into()
        }
        (Lang::Es, OfficerWhere) => {
            "un oficial necesita --consulate ID (los identificadores están en config/consulates.csv)"
                .into()
        }
        (Lang::En, OfficerWhere) => {
            "an officer needs --consulate ID (the ids are in config/consulates.csv)".into()
        }
        (Lang::Es, NationalNotSupervisor(r)) => format!(
            "--national es solo para supervisores (se dio --role {})",
            r.as_str()
        ),
        (Lang::En, NationalNotSupervisor(r)) => format!(
            "--national is for supervisors only (got --role {})",
            r.as_str()
        ),
    }
}

/// `admin staff add --role lawyer`: lawyers are added with their own command, shown ready to run.
pub fn lawyers_elsewhere(lang: Lang, hint: &str) -> String {
    match lang {
        Lang::Es => format!(
            "los abogados se dan de alta con `guardia admin lawyer add`, que también pide los \
             consulados a los que atienden (--serves) y cuántos casos abiertos pueden llevar \
             (--capacity, 20 por omisión):\n  {hint}\no varios a la vez desde un CSV: guardia \
             admin lawyer import ARCHIVO"
        ),
        Lang::En => format!(
            "lawyers are added with `guardia admin lawyer add`, which also takes the consulates \
             they serve (--serves) and how many open cases they can carry (--capacity, default \
             20):\n  {hint}\nor many at once from a CSV: guardia admin lawyer import FILE"
        ),
    }
}

/// A roster file (`admin lawyer import`) that cannot be read as it is, said by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterMistake {
    Header(String),
    Unreadable {
        line: usize,
        error: String,
    },
    Capacity {
        line: usize,
    },
    Serves {
        line: usize,
        at: usize,
        error: String,
    },
    Row {
        line: usize,
        error: String,
    },
    Twice {
        line: usize,
        name: String,
        first: usize,
    },
    OnRosterTwice {
        line: usize,
        name: String,
        ids: Vec<i64>,
    },
    Lawyer {
        name: String,
        error: String,
    },
}

pub fn roster_mistake(lang: Lang, m: &RosterMistake) -> String {
    use RosterMistake::*;
    let es = lang == Lang::Es;
    match m {
        Header(want) if es => format!("el encabezado debe ser `{want}`"),
        Header(want) => format!("the header must be `{want}`"),
        Unreadable { line, error } if es => format!("línea {line}: {error}"),
        Unreadable { line, error } => format!("line {line}: {error}"),
        Capacity { line } if es => format!("línea {line}: capacity debe ser un número entero"),
        Capacity { line } => format!("line {line}: capacity must be a whole number"),
        Serves { line, at, error } if es => format!("línea {line}: serves[{at}]: {error}"),
        Serves { line, at, error } => format!("line {line}: serves[{at}]: {error}"),
        Row { line, error } if es => format!("línea {line}: {error}"),
        Row { line, error } => format!("line {line}: {error}"),
        Twice { line, name, first } if es => {
            format!("línea {line}: {name} ya está en la línea {first}: una fila por abogado")
        }
        Twice { line, name, first } => {
            format!("line {line}: {name} is already on line {first}: one row per lawyer")
        }
        OnRosterTwice { line, name, ids } => {
            let list = ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            if es {
                format!(
                    "línea {line}: {name} está {} veces en el padrón (personal {list}): deje sin \
                     efecto las de sobra con `guardia admin staff disable <id>` e importe de nuevo",
                    ids.len()
                )
            } else {
                format!(
                    "line {line}: {name} is on the roster {} times (staff ids {list}): disable the \
                     extra ones with `guardia admin staff disable <id>`, then import again",
                    ids.len()
                )
            }
        }
        Lawyer { name, error } => format!("{name}: {error}"),
    }
}
