//! Quick views: the list narrowed to one question, on one key (`v`). "All open" is the live
//! queue; "unattended" is what nobody has answered yet, the same cases the counts strip counts;
//! "mine" is what this person took on; "closed today" is the shift's record.

use chrono::{DateTime, Utc};

use crate::domain::case::{Case, CaseStatus};
use crate::domain::event::Actor;
use crate::domain::staff::StaffInfo;
use crate::domain::urgency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuickView {
    #[default]
    Open,
    Unattended,
    Mine,
    ClosedToday,
}

impl QuickView {
    pub const ALL: [QuickView; 4] = [
        QuickView::Open,
        QuickView::Unattended,
        QuickView::Mine,
        QuickView::ClosedToday,
    ];

    pub fn next(self) -> QuickView {
        let i = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// Whether `case` is in this view. `day_start` is when the operator's day began (midnight in
    /// the consulate's zone), for "closed today".
    pub fn admits(self, case: &Case, me: Option<&StaffInfo>, day_start: DateTime<Utc>) -> bool {
        match self {
            QuickView::Open => case.status != CaseStatus::Closed,
            QuickView::Unattended => urgency::unattended(case),
            QuickView::Mine => {
                case.status != CaseStatus::Closed && me.is_some_and(|me| mine(case, me))
            }
            QuickView::ClosedToday => case.closed.as_ref().is_some_and(|c| c.at >= day_start),
        }
    }
}

/// A case this person answered or was assigned.
fn mine(case: &Case, me: &StaffInfo) -> bool {
    let by_me = |actor: &Actor| matches!(actor, Actor::Staff { id, .. } if *id == me.id);
    case.assigned_lawyer == Some(me.id) || case.acknowledged_by.as_ref().is_some_and(by_me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::Closure;
    use crate::domain::case::tests::raised;
    use crate::domain::checkpoint::CloseOutcome;
    use crate::domain::staff::Role;
    use chrono::Duration;

    fn officer(id: i64) -> StaffInfo {
        StaffInfo {
            id,
            name: "Lucía Ramírez".into(),
            role: Role::Officer,
            consulate: Some("los-angeles".into()),
            token_expires_at: None,
        }
    }

    fn staff(id: i64) -> Actor {
        Actor::Staff {
            id,
            name: "x".into(),
            role: Role::Officer,
        }
    }

    #[test]
    fn each_view_answers_its_question() {
        let new = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        let mut answered_by_me = Case::open(&raised(2, 2, AlertKind::Imminent, vec![])).unwrap();
        answered_by_me.acknowledged_at = Some(answered_by_me.received_at);
        answered_by_me.acknowledged_by = Some(staff(7));
        let mut answered_by_other = answered_by_me.clone();
        answered_by_other.id = 3;
        answered_by_other.acknowledged_by = Some(staff(8));
        let day_start = new.received_at - Duration::hours(2);
        let mut closed_today = answered_by_me.clone();
        closed_today.id = 4;
        closed_today.status = CaseStatus::Closed;
        closed_today.closed = Some(Closure {
            at: day_start + Duration::minutes(30),
            by: staff(7),
            outcome: CloseOutcome::FalseAlarm,
            note: String::new(),
        });
        let mut closed_yesterday = closed_today.clone();
        closed_yesterday.id = 5;
        closed_yesterday.closed.as_mut().unwrap().at = day_start - Duration::minutes(1);
        let all = [
            &new,
            &answered_by_me,
            &answered_by_other,
            &closed_today,
            &closed_yesterday,
        ];
        let me = officer(7);
        let ids = |view: QuickView| -> Vec<u64> {
            all.iter()
                .filter(|c| view.admits(c, Some(&me), day_start))
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(ids(QuickView::Open), vec![1, 2, 3]);
        assert_eq!(ids(QuickView::Unattended), vec![1]);
        assert_eq!(ids(QuickView::Mine), vec![2]);
        assert_eq!(ids(QuickView::ClosedToday), vec![4]);
    }

    #[test]
    fn v_goes_round_every_view() {
        let mut v = QuickView::default();
        let mut seen = vec![v];
        for _ in 0..3 {
            v = v.next();
            seen.push(v);
        }
        assert_eq!(seen, QuickView::ALL.to_vec());
        assert_eq!(v.next(), QuickView::Open);
    }
}
