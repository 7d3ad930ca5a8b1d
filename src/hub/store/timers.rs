//! The hub's own timers. Nothing is scheduled in memory: what is due is read from the database
//! each time, so a restart loses no timer and no housekeeping job is needed.

use std::sync::Arc;

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::writer::sortable_time;
use super::{Store, StoreError};
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, CaseEscalated, EventBody};
use crate::domain::urgency::Rules;

/// Open, unacknowledged cases due for their next level: level 1 past the SLA (?1), level 2 past
/// the offer time (?2).
const DUE: &str = "FROM cases WHERE status = 'open' AND acknowledged = 0
     AND ((escalation = 0 AND received_at <= ?1) OR (escalation = 1 AND received_at <= ?2))";

/// Most cases escalated per pass; a backlog larger than this continues on the next pass.
const BATCH: usize = 500;

impl Store {
    /// Escalates every open, unacknowledged case that is due at `now`: level 1 past the SLA (to
    /// supervisors), level 2 past `offer_after` (also offered to the next-nearest consulate).
    /// Returns how many escalation events were appended.
    pub async fn escalate(
        &self,
        now: DateTime<Utc>,
        rules: Rules,
        consulates: Arc<Vec<Consulate>>,
    ) -> Result<usize, StoreError> {
        // A read first: most passes find nothing due, and a write would cost a commit (an fsync)
        // every few seconds for nothing.
        let (first, second) = (
            sortable_time(now - rules.sla),
            sortable_time(now - rules.offer_after),
        );
        let cutoffs = [first.clone(), second.clone()];
        let any_due = self
            .read(move |tx| {
                Ok(tx
                    .query_row(&format!("SELECT 1 {DUE} LIMIT 1"), cutoffs, |_| Ok(()))
                    .optional()?
                    .is_some())
            })
            .await?;
        if !any_due {
            return Ok(0);
        }
        self.write(move |ctx| {
            let due: Vec<(i64, u8, String)> = {
                ctx.conn().query_map(
                    &format!(
                        "SELECT id, escalation, received_at {DUE} ORDER BY received_at LIMIT ?3"
                    ),
                    params![first, second, BATCH as i64],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?
            };
            let mut appended = 0;
            for (id, level_now, received) in due {
                let level = if received <= second { 2 } else { 1 };
                if level <= level_now {
                    continue;
                }
                let Some(case) = ctx.case(id as u64)? else {
                    continue;
                };
                let offered_to = (level == 2)
                    .then(|| {
                        crate::domain::consulate::by_distance(&consulates, case.location.point())
                            .into_iter()
                            .find(|(c, _)| c.id != case.consulate)
                            .map(|(c, _)| c.id.clone())
                    })
                    .flatten();
                let zone = |id: &str| {
                    consulates
                        .iter()
                        .find(|c| c.id == id)
                        .map_or(chrono_tz::UTC, |c| c.zone())
                };
                let mut on_duty =
                    super::duty::on_duty(ctx, &case.consulate, zone(&case.consulate), now)?;
                if let Some(other) = &offered_to {
                    on_duty.extend(super::duty::on_duty(ctx, other, zone(other), now)?);
                }
                let body = EventBody::CaseEscalated(CaseEscalated {
                    level,
                    offered_to,
                    on_duty,
                });
                ctx.append(case.id, &case.consulate, Actor::Hub, now, None, body)?;
                appended += 1;
            }
            Ok(appended)
        })
        .await
    }
}

/// Open searches with an escalation due: past 24 hours with none made (?1), past 48 with at
/// most the first (?2), past 72 with at most the second (?3). `domain::locate::ESCALATIONS`.
const SEARCH_DUE: &str = "FROM searches WHERE (escalated < 24 AND since <= ?1)
     OR (escalated < 48 AND since <= ?2) OR (escalated < 72 AND since <= ?3)";

impl Store {
    /// Escalates every search for a person not located whose next escalation is due at `now`
    /// (`domain::locate`): the event goes to the case's consulate and, from 48 hours, the national
    /// supervisors' consoles. Returns how many were appended.
    pub async fn escalate_searches(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        use crate::domain::locate::SearchEscalated;
        let cutoffs = [24, 48, 72].map(|h| sortable_time(now - chrono::Duration::hours(h)));
        let probe = cutoffs.clone();
        let any = self
            .read(move |tx| {
                Ok(tx
                    .query_row(&format!("SELECT 1 {SEARCH_DUE} LIMIT 1"), probe, |_| Ok(()))
                    .optional()?
                    .is_some())
            })
            .await?;
        if !any {
            return Ok(0);
        }
        self.write(move |ctx| {
            let due: Vec<i64> = ctx.conn().query_map(
                &format!("SELECT case_id {SEARCH_DUE} ORDER BY since LIMIT {BATCH}"),
                cutoffs,
                |r| r.get(0),
            )?;
            let mut appended = 0;
            for id in due {
                // Decided on the case as the log has it, inside the write: a second hub, or a
                // placement logged a moment ago, leaves nothing due.
                let Some(case) = ctx.case(id as u64)? else {
                    continue;
                };
                let Some((hours, tell)) = case.search.and_then(|s| s.due(now)) else {
                    continue;
                };
                let body = EventBody::SearchEscalated(SearchEscalated { hours, tell });
                ctx.append(case.id, &case.consulate, Actor::Hub, now, None, body)?;
                appended += 1;
            }
            Ok(appended)
        })
        .await
    }
}
