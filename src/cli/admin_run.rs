//! `guardia admin …` and `guardia verify`, carried out: staff and lawyers, devices, holds,
//! retention, backups, the head after a restore, and checking the record. What they say to
//! the person at the shell comes from `i18n::admin`, in the configured language.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;

use super::{
    AdminCommand, DeviceCommand, LawyerCommand, StaffCommand, check_consulate,
    parse_staff_add_role, parse_staff_role, report_client,
};
use crate::config::Config;
use crate::domain::event::Actor;
use crate::domain::staff::{NewStaff, Role};
use crate::i18n::Lang;
use crate::i18n::admin::{Said, say};

/// Refuses consulate ids that are not on the configured list, naming the closest ones, before
/// anything is written.
fn check_consulates<'a>(
    config: &Config,
    consulates: &[crate::domain::consulate::Consulate],
    given: impl IntoIterator<Item = &'a String>,
    lang: Lang,
) -> Result<(), String> {
    let ids: Vec<&str> = consulates.iter().map(|c| c.id.as_str()).collect();
    given
        .into_iter()
        .try_for_each(|c| check_consulate(c, &ids, config.hub.consulates_source(), lang))
}

fn print(lang: Lang, said: &Said<'_>) {
    println!("{}", say(lang, said));
}

fn fail(lang: Lang, said: &Said<'_>) -> anyhow::Error {
    anyhow::anyhow!(say(lang, said))
}

pub async fn admin(config: &Config, command: AdminCommand, lang: Lang) -> anyhow::Result<()> {
    match command {
        AdminCommand::Staff { command } => staff(config, command, lang).await,
        AdminCommand::Lawyer { command } => lawyer(config, command, lang).await,
        AdminCommand::Device {
            command: DeviceCommand::Revoke { db, id },
        } => {
            let store = crate::admin::open_store(&config.hub, db)?;
            let changed = store
                .revoke_device(id, Actor::Operator, Utc::now())
                .await
                .map_err(|e| {
                    fail(
                        lang,
                        &Said::AboutDevice {
                            id,
                            error: e.to_string(),
                        },
                    )
                })?;
            print(lang, &Said::DeviceRevoked { id, changed });
            Ok(())
        }
        AdminCommand::AcceptHead { db } => {
            let db = db.unwrap_or_else(|| config.hub.db.clone());
            let report = crate::hub::store::verify::accept_head(&db, config.hub.key_file())?;
            print!("{report}");
            if !report.findings.is_empty() {
                return Err(fail(
                    lang,
                    &Said::HeadNotRecorded {
                        db: db.display().to_string(),
                    },
                ));
            }
            let seq = report.head.map_or(0, |h| h.seq);
            print(lang, &Said::HeadNow { seq });
            Ok(())
        }
        AdminCommand::Backup { db, out } => {
            let db = db.unwrap_or_else(|| config.hub.db.clone());
            crate::hub::store::backup(&db, &out)?;
            let key = config
                .hub
                .key_file()
                .map(Into::into)
                .unwrap_or_else(|| crate::hub::store::chain::default_key_file(&db));
            let report = crate::hub::store::verify::verify_file(&out, Some(&key))?;
            print!("{report}");
            let out = out.display().to_string();
            if !report.findings.is_empty() {
                return Err(fail(lang, &Said::CopyDoesNotVerify { out }));
            }
            let key = key.display().to_string();
            print(lang, &Said::BackupWritten { out, key });
            Ok(())
        }
        AdminCommand::Retention { db, now } => {
            let said = crate::admin::retention(config, db, now, lang)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("{said}");
            Ok(())
        }
        AdminCommand::Hold {
            db,
            case,
            reason,
            release,
        } => {
            let said = crate::admin::hold(config, db, case, reason, release, lang)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("{said}");
            Ok(())
        }
    }
}

async fn staff(config: &Config, command: StaffCommand, lang: Lang) -> anyhow::Result<()> {
    if let StaffCommand::Add {
        db,
        name,
        role,
        consulate,
        national,
    } = command
    {
        let role = parse_staff_add_role(
            &role,
            &name,
            consulate.as_deref(),
            national,
            db.as_deref(),
            lang,
        )?;
        let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
        check_consulates(config, &consulates, &consulate, lang).map_err(anyhow::Error::msg)?;
        let store = crate::admin::open_store(&config.hub, db)?;
        let new = NewStaff {
            name,
            role,
            consulate,
            serves: vec![],
            languages: vec![],
            capacity: 0,
        };
        let (id, token) = crate::admin::add_staff(&store, &consulates, new)
            .await
            .map_err(anyhow::Error::msg)?;
        print(lang, &Said::Added { id, token: &token });
        return Ok(());
    }
    let (db, id) = match &command {
        StaffCommand::Disable { db, id }
        | StaffCommand::Enable { db, id }
        | StaffCommand::Rotate { db, id }
        | StaffCommand::Role { db, id, .. } => (db.clone(), *id),
        StaffCommand::Add { .. } => unreachable!("handled above"),
    };
    let about = |e: crate::hub::store::StoreError| {
        fail(
            lang,
            &Said::AboutStaff {
                id,
                error: e.to_string(),
            },
        )
    };
    let store = crate::admin::open_store(&config.hub, db)?;
    match command {
        StaffCommand::Role {
            role,
            consulate,
            national,
            ..
        } => {
            let role = parse_staff_role(&role, consulate.as_deref(), national, lang)?;
            let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
            check_consulates(config, &consulates, &consulate, lang).map_err(anyhow::Error::msg)?;
            store
                .change_staff_role(id, role, consulate, Actor::Operator, Utc::now())
                .await
                .map_err(about)?;
            print(lang, &Said::RoleNow { id, role });
        }
        StaffCommand::Rotate { .. } => {
            let token = crate::admin::rotate_token(&store, id)
                .await
                .map_err(anyhow::Error::msg)?;
            print(lang, &Said::NewToken { id, token: &token });
        }
        other => {
            let disabled = matches!(other, StaffCommand::Disable { .. });
            let changed = store
                .set_staff_disabled(id, disabled, Actor::Operator, false, Utc::now())
                .await
                .map_err(about)?;
            print(
                lang,
                &Said::Disabled {
                    id,
                    disabled,
                    changed,
                },
            );
        }
    }
    Ok(())
}

async fn lawyer(config: &Config, command: LawyerCommand, lang: Lang) -> anyhow::Result<()> {
    let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
    match command {
        LawyerCommand::Add {
            db,
            name,
            serves,
            languages,
            capacity,
        } => {
            check_consulates(config, &consulates, &serves, lang)
                .map_err(|e| anyhow::anyhow!("--serves: {e}"))?;
            let store = crate::admin::open_store(&config.hub, db)?;
            let new = NewStaff {
                name,
                role: Role::Lawyer,
                consulate: None,
                serves,
                languages,
                capacity,
            };
            let (id, token) = crate::admin::add_staff(&store, &consulates, new)
                .await
                .map_err(anyhow::Error::msg)?;
            print(lang, &Said::Added { id, token: &token });
        }
        LawyerCommand::Import { db, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| {
                say(
                    lang,
                    &Said::Reading {
                        file: file.display().to_string(),
                    },
                )
            })?;
            let store = crate::admin::open_store(&config.hub, db)?;
            let done = crate::admin::import_lawyers(
                &store,
                &consulates,
                config.hub.consulates_source(),
                &text,
                lang,
            )
            .await
            .map_err(anyhow::Error::msg)?;
            // Tokens are shown once: this output is the only copy. A lawyer already on the
            // roster keeps the token they have. The columns are for a program to read, so
            // they keep their names in every language.
            println!("name,id,token,done");
            for (name, id, what) in done {
                let (token, what) = match what {
                    crate::admin::Imported::Added(token) => (token, "added"),
                    crate::admin::Imported::Updated => (String::new(), "updated"),
                    crate::admin::Imported::Unchanged => (String::new(), "unchanged"),
                };
                println!("\"{}\",{id},{token},{what}", name.replace('"', "\"\""));
            }
        }
    }
    Ok(())
}

/// `guardia verify`: a database file against its seal, or a case export against the hub.
pub async fn verify(
    config: &Config,
    (db, key_file): (Option<PathBuf>, Option<PathBuf>),
    (export, hub): (Option<PathBuf>, Option<String>),
    lang: Lang,
) -> anyhow::Result<()> {
    if let Some(db) = db {
        let key_file = key_file.or_else(|| config.hub.key_file().map(Into::into));
        let report = crate::hub::store::verify::verify_target(
            &crate::hub::store::Target::parse(&db.to_string_lossy()),
            key_file.as_deref(),
        )?;
        print!("{report}");
        if !report.findings.is_empty() {
            std::process::exit(1);
        }
        return Ok(());
    }
    let Some(file) = export else {
        bail!(say(lang, &Said::VerifyWhat));
    };
    use crate::report::sealed::Verdict;
    let name = file.display().to_string();
    let document = std::fs::read_to_string(&file)
        .with_context(|| say(lang, &Said::Reading { file: name.clone() }))?;
    let client = report_client(config, hub)?;
    match crate::report::sealed::verify(&client, &document).await? {
        Verdict::Matches => print(lang, &Said::ExportMatches),
        Verdict::NoSeal => return Err(fail(lang, &Said::ExportNoSeal { file: name })),
        Verdict::SealDiffers { hub } => {
            return Err(fail(lang, &Said::ExportSealDiffers { hub }));
        }
        Verdict::Edited { line } => return Err(fail(lang, &Said::ExportEdited { line })),
    }
    Ok(())
}
