//! The structured fields each checkpoint carries, in form order (checkpoints.md, third column).

use super::CheckpointCode;

/// What a structured field holds. Every value travels as a string; these say which strings are
/// accepted and how they are normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DD HH:MM` (UTC) or RFC 3339 with an offset.
    DateTime,
    /// Alien registration number: 9 digits; an 8-digit one gets a leading 0.
    ANumber,
    /// US dollars, stored with two decimals.
    Money,
    Choice(&'static [&'static str]),
    YesNo,
    /// One of the immigration courts' languages, by name in either language or by the court's
    /// code; stored as the code (`MIX`).
    Language,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Whether the value may lie in the future (a hearing date) or records something that has
    /// already happened (a decision date).
    pub future: bool,
}

// A macro rather than a const fn: a struct literal of constants is promoted to `'static`, a
// const fn call is not, and `fields()` hands out `&'static` tables.
macro_rules! f {
    ($name:expr, $kind:expr, $required:expr, $future:expr $(,)?) => {
        FieldSpec {
            name: $name,
            kind: $kind,
            required: $required,
            future: $future,
        }
    };
}

use FieldKind::{ANumber, Choice, Date, DateTime as When, Language, Money, Text, YesNo};

/// Every step of the checklists (`domain::checklist`), for the `step` field's choices.
pub const CHECKLIST_STEPS: &[&str] = &[
    // The search for a person not located (`domain::locate::STEPS`).
    "locator_searched",
    "field_office_asked",
    "nearby_facilities_asked",
    "local_jails_asked",
    "hospitals_asked",
    "family_asked",
    "next_of_kin_notified",
    "official_cause_requested",
    "official_cause_received",
    "remains_repatriation",
    "investigation_requested",
    "diplomatic_note_sent",
    "medical_report_requested",
    "guardian_notified",
    "screening_confirmed",
    "orr_placement_confirmed",
    "lawyer_confirmed",
    "dif_notified",
];

const YES: bool = true;
const NO: bool = false;

impl CheckpointCode {
    /// The structured fields of this checkpoint, in form order.
    pub fn fields(self) -> &'static [FieldSpec] {
        use CheckpointCode::*;
        match self {
            ContactAttempt => &[
                f!("who", Text, YES, NO),
                f!(
                    "channel",
                    Choice(&["phone", "sms", "whatsapp", "email", "in_person"]),
                    NO,
                    NO,
                ),
                f!(
                    "outcome",
                    Choice(&["reached", "no_answer", "wrong_number"]),
                    YES,
                    NO,
                ),
            ],
            FamilyNotified => &[f!("relative", Text, YES, NO)],
            DetentionConfirmed => &[
                f!(
                    "agency",
                    Choice(&["ice_ero", "cbp", "local_police_detainer", "287g", "other"]),
                    YES,
                    NO,
                ),
                f!("source", Text, NO, NO),
            ],
            ConsularNotification => &[
                f!("channel", Text, NO, NO),
                f!("informed_of_right", YesNo, NO, NO),
                f!("requested_contact", YesNo, NO, NO),
            ],
            ANumberRecorded => &[f!("a_number", ANumber, YES, NO)],
            FacilityLocated => &[
                f!("facility", Text, YES, NO),
                f!("city_state", Text, NO, NO),
                f!("facility_phone", Text, NO, NO),
                f!("field_office", Text, NO, NO),
                f!(
                    "source",
                    Choice(&["detainee_locator", "family", "ice", "other"]),
                    NO,
                    NO,
                ),
                f!("facility_code", Text, NO, NO),
            ],
            FacilityTransfer => &[
                f!("facility", Text, YES, NO),
                f!("city_state", Text, NO, NO),
                f!("field_office", Text, NO, NO),
                f!("moved_on", Date, NO, NO),
                f!("facility_code", Text, NO, NO),
            ],
            ConsularVisit => &[
                f!("mode", Choice(&["in_person", "phone", "video"]), YES, NO),
                f!("documents_signed", YesNo, NO, NO),
            ],
            CustodyDetermination => &[
                f!(
                    "decision",
                    Choice(&["recognizance", "bond", "no_bond", "mandatory_detention"]),
                    YES,
                    NO,
                ),
                f!("bond_amount", Money, NO, NO),
                f!("review_requested", YesNo, NO, NO),
            ],
            NtaServed => &[
                f!("served_on", Date, NO, NO),
                f!("charges", Text, NO, NO),
                f!("court", Text, NO, NO),
                f!("filed_on", Date, NO, NO),
            ],
            RepresentativeAssigned => &[
                f!("lawyer", Text, NO, NO),
                f!("eoir28_filed", YesNo, NO, NO),
            ],
            FearScreening => &[
                f!("screening", Choice(&["credible", "reasonable"]), NO, NO),
                f!(
                    "outcome",
                    Choice(&["positive", "negative", "pending"]),
                    NO,
                    NO,
                ),
                f!("review_requested", YesNo, NO, NO),
            ],
            ExpeditedRemoval => &[f!(
                "track",
                Choice(&["expedited_removal", "reinstatement"]),
                YES,
                NO,
            )],
            MasterCalendarHearing => &[
                f!("hearing_at", When, YES, YES),
                f!("court", Text, NO, NO),
                f!("judge", Text, NO, NO),
                f!("outcome", Text, NO, NO),
            ],
            BondHearing => &[
                f!("hearing_at", When, YES, YES),
                f!(
                    "decision",
                    Choice(&["granted", "denied", "pending"]),
                    NO,
                    NO,
                ),
                f!("bond_amount", Money, NO, NO),
                f!("appeal", YesNo, NO, NO),
            ],
            BondPosted => &[
                f!("bond_amount", Money, YES, NO),
                f!("posted_on", Date, NO, NO),
            ],
            Released => &[
                f!(
                    "release_type",
                    Choice(&[
                        "bond",
                        "recognizance",
                        "parole",
                        "alternatives_to_detention"
                    ]),
                    YES,
                    NO,
                ),
                f!("next_reporting", Date, NO, YES),
            ],
            ReliefFiled => &[f!("relief", Text, YES, NO), f!("filed_on", Date, NO, NO)],
            IndividualHearing => &[
                f!("hearing_at", When, YES, YES),
                f!("outcome", Text, NO, NO),
            ],
            VoluntaryDeparture => &[
                f!(
                    "stage",
                    Choice(&["pre_conclusion", "post_conclusion"]),
                    YES,
                    NO
                ),
                f!("depart_by", Date, YES, YES),
                f!("bond_amount", Money, NO, NO),
            ],
            RemovalOrder => &[
                f!("decided_on", Date, YES, NO),
                f!("in_absentia", YesNo, NO, NO),
            ],
            AppealFiled => &[
                f!("forum", Choice(&["board", "circuit"]), NO, NO),
                f!("received_on", Date, YES, NO),
                f!("brief_due", Date, NO, YES),
            ],
            StayRequested => &[
                f!("filed_with", Choice(&["ice", "board", "judge"]), NO, NO),
                f!("filed_on", Date, NO, NO),
            ],
            StayDecided => &[
                f!("decision", Choice(&["granted", "denied"]), YES, NO),
                f!("decided_on", Date, NO, NO),
            ],
            DueProcessConcern => &[f!(
                "concern",
                Choice(&[
                    "no_consular_notification",
                    "signed_without_counsel",
                    "no_interpreter",
                    "minor",
                    "medical",
                    "pregnancy",
                    "family_separation",
                    "other",
                ]),
                YES,
                NO,
            )],
            RepatriationScheduled => &[
                f!("port", Text, YES, NO),
                f!("scheduled_on", Date, YES, YES),
                f!("reception_arranged", YesNo, NO, NO),
            ],
            Removed => &[
                f!("port", Text, NO, NO),
                f!("removed_on", Date, NO, NO),
                f!("family_informed", YesNo, NO, NO),
            ],
            CounselInformed => &[f!("how", Text, NO, NO)],
            HabeasFiled => &[
                f!("court", Text, YES, NO),
                f!("docket", Text, NO, NO),
                f!("filed_on", Date, YES, NO),
                f!("show_cause_on", Date, NO, NO),
                f!("return_due", Date, NO, YES),
            ],
            HabeasDecided => &[
                f!(
                    "decision",
                    Choice(&[
                        "release_ordered",
                        "bond_hearing_ordered",
                        "denied",
                        "dismissed"
                    ]),
                    YES,
                    NO,
                ),
                f!("decided_on", Date, YES, NO),
                f!("comply_by", Date, NO, YES),
            ],
            BondIneligible => &[
                f!(
                    "basis",
                    Choice(&[
                        "entry_without_inspection",
                        "criminal_mandatory",
                        "arriving",
                        "final_order",
                        "other",
                    ]),
                    YES,
                    NO,
                ),
                f!("authority", Text, NO, NO),
            ],
            MinorInCustody => &[
                f!(
                    "accompanied",
                    Choice(&["unaccompanied", "with_family", "separated"]),
                    YES,
                    NO,
                ),
                f!("custodian", Choice(&["cbp", "ice", "orr"]), NO, NO),
                f!("apprehended_at", When, NO, NO),
            ],
            HarmInCustody => &[
                f!("harm", Choice(&["death", "injury"]), YES, NO),
                f!("occurred_on", Date, YES, NO),
                f!("facility", Text, NO, NO),
            ],
            ChecklistStep => &[
                f!("step", Choice(CHECKLIST_STEPS), YES, NO),
                // A search's step: what asking found (`domain::locate::RESULTS`).
                f!(
                    "result",
                    Choice(&["not_there", "no_answer", "found"]),
                    NO,
                    NO
                ),
            ],
            NotLocated => &[f!("last_seen", Text, NO, NO)],
            InterpreterNeeded => &[f!("language", Language, YES, NO)],
        }
    }
}
