//! The writer's copy of the cases it touched last, so that a press on a busy case does not parse
//! the case's JSON back from the database.
//!
//! In a raid one person presses again and again: each press read the case's projection (a few
//! kilobytes of JSON, dozens of timestamps) and parsed it, often twice. The cache is the writer's
//! alone, so it needs no lock, and it is checked against the database before use: an entry
//! counts only while the row's `last_seq` is still the entry's. A job whose savepoint is rolled
//! back drops what it cached, and a batch that fails to commit drops everything.

use std::collections::HashMap;

use crate::domain::case::Case;

/// Cases kept. A raid is hundreds of open cases; past this the cache starts over, which costs a
/// parse per case once, never a wrong answer.
const KEPT: usize = 4_096;

/// The columns of `cases` that are indexed: when none moved, saving a case rewrites its row and
/// not four index entries.
#[derive(Debug, PartialEq)]
pub(super) struct Indexed {
    consulate: String,
    status: crate::domain::case::CaseStatus,
    lawyer: Option<i64>,
    also: Option<String>,
    acknowledged: bool,
    escalation: u8,
}

impl Indexed {
    pub fn of(case: &Case) -> Indexed {
        Indexed {
            consulate: case.consulate.clone(),
            status: case.status,
            lawyer: case.assigned_lawyer,
            also: case.also_consulate().map(String::from),
            acknowledged: case.acknowledged_at.is_some(),
            escalation: case.escalation,
        }
    }
}

#[derive(Default)]
pub(super) struct Projections {
    cases: HashMap<u64, Case>,
    /// Cases cached by the job now running, forgotten if its savepoint is rolled back.
    touched: Vec<u64>,
}

impl Projections {
    /// The cached case if the database's row is still at `last_seq`.
    pub fn get(&self, id: u64, last_seq: u64) -> Option<Case> {
        self.cases
            .get(&id)
            .filter(|c| c.last_seq == last_seq)
            .cloned()
    }

    pub fn put(&mut self, case: Case) {
        if self.cases.len() >= KEPT && !self.cases.contains_key(&case.id) {
            self.cases.clear();
        }
        self.touched.push(case.id);
        self.cases.insert(case.id, case);
    }

    /// Where the running job's entries begin.
    pub fn mark(&self) -> usize {
        self.touched.len()
    }

    /// The job from `mark` on was rolled back: what it cached is not in the database.
    pub fn undo_from(&mut self, mark: usize) {
        for id in self.touched.drain(mark..) {
            self.cases.remove(&id);
        }
    }

    /// The batch committed: its entries are the database's truth.
    pub fn committed(&mut self) {
        self.touched.clear();
    }

    /// Nothing of the batch was committed.
    pub fn forget_all(&mut self) {
        self.cases.clear();
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use crate::domain::alert::{AlertKind, Location};
    use crate::domain::event::{Actor, AlertRepeated, EventBody};
    use crate::hub::store::{Store, StoreError};

    const CASE: u64 = 1001;

    fn press() -> EventBody {
        EventBody::AlertRepeated(AlertRepeated {
            alert_id: Uuid::new_v4(),
            kind: AlertKind::Imminent,
            location: Location {
                lat: 34.1,
                lon: -118.3,
                accuracy_m: 10.0,
            },
            pressed_at: Utc::now(),
            count: 1,
            intake: None,
            registrant: None,
        })
    }

    async fn opened(path: &std::path::Path) -> Store {
        let store = Store::open(path).unwrap();
        let raised = crate::domain::case::tests::raised(1, CASE, AlertKind::Imminent, vec![]);
        store
            .write(move |ctx| {
                ctx.append(
                    CASE,
                    "los-angeles",
                    Actor::Phone,
                    raised.at,
                    None,
                    raised.body,
                )?;
                Ok(())
            })
            .await
            .unwrap();
        store
    }

    async fn presses(store: &Store) -> u32 {
        store
            .write(|ctx| Ok(ctx.case(CASE)?.expect("the case").presses))
            .await
            .unwrap()
    }

    async fn press_once(store: &Store) {
        store
            .write(|ctx| {
                ctx.append(CASE, "los-angeles", Actor::Phone, Utc::now(), None, press())?;
                Ok(())
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_rolled_back_write_is_not_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = opened(&dir.path().join("hub.db")).await;
        press_once(&store).await;
        assert_eq!(presses(&store).await, 2);
        let refused = store
            .write(|ctx| {
                ctx.append(CASE, "los-angeles", Actor::Phone, Utc::now(), None, press())?;
                Err::<(), _>(StoreError::Invalid("refused after the append".into()))
            })
            .await;
        assert!(refused.is_err());
        assert_eq!(presses(&store).await, 2, "the refused press was cached");
        press_once(&store).await;
        assert_eq!(presses(&store).await, 3);
    }

    #[tokio::test]
    async fn a_case_another_process_changed_is_read_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let hub = opened(&path).await;
        assert_eq!(presses(&hub).await, 1);
        // `guardia admin`, say: a second writer on the same file.
        let other = Store::open(&path).unwrap();
        press_once(&other).await;
        press_once(&other).await;
        assert_eq!(presses(&hub).await, 3, "the writer served its stale copy");
    }
}
