use super::*;

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn dates() -> RoundDates {
    RoundDates {
        opt_in_deadline: date("2026-04-30"),
        evaluation_date: date("2026-05-10"),
        notice_days: 10,
    }
}

fn state(stage: Stage) -> RoundState {
    RoundState {
        stage,
        dates: dates(),
        notice: None,
        steps_done: true,
        open_objections: 0,
    }
}

#[test]
fn stages_go_one_way_with_their_steps() {
    let order: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(
        order,
        [
            "open",
            "formal_check",
            "evaluation",
            "public_notice",
            "objection_handling",
            "final"
        ]
    );
    for stage in Stage::ALL {
        assert_eq!(Stage::from_code(stage.code()), Some(stage));
        for step in stage.steps() {
            assert_eq!(step.stage(), stage);
            assert_eq!(Step::from_code(step.code()), Some(*step));
        }
    }
    assert_eq!(Stage::Final.next(), None);
    assert_eq!(
        Step::Benchmarks.next_in_stage(),
        Some(Step::Evaluation),
        "benchmarks come before scoring"
    );
    assert_eq!(Step::Evaluation.next_in_stage(), None);
    assert!(Stage::Evaluation.may_rerun() && !Stage::PublicNotice.may_rerun());
}

#[test]
fn dates_are_checked_together() {
    let today = date("2026-03-01");
    assert!(dates().check(2026, today).is_ok());
    let bad = RoundDates {
        opt_in_deadline: date("2025-12-31"),
        evaluation_date: date("2025-12-01"),
        notice_days: 0,
    };
    let issues = bad.check(2030, today).expect_err("bad");
    let fields: Vec<&str> = issues.iter().map(|i| i.field).collect();
    assert_eq!(
        fields,
        ["year", "opt_in_deadline", "evaluation_date", "notice_days"]
    );
    let long = RoundDates {
        notice_days: MAX_NOTICE_DAYS + 1,
        ..dates()
    };
    assert_eq!(
        long.check(2026, today).expect_err("long")[0].field,
        "notice_days"
    );
}

#[test]
fn the_notice_counts_calendar_days_both_ends_included() {
    let notice = dates().notice_from(date("2026-05-28"));
    assert_eq!(notice.end, date("2026-06-06"));
    let one = RoundDates {
        notice_days: 1,
        ..dates()
    };
    assert_eq!(one.notice_from(date("2026-05-28")).end, date("2026-05-28"));
}

#[test]
fn advancing_follows_the_dates_and_the_work() {
    let code = |s: &RoundState, to: Stage, today: &str| {
        check_advance(s, to, date(today)).err().map(|e| e.code())
    };
    let open = state(Stage::Open);
    assert_eq!(
        code(&open, Stage::Evaluation, "2026-06-01"),
        Some("not_next_stage")
    );
    assert_eq!(
        code(&open, Stage::FormalCheck, "2026-04-30"),
        Some("opt_in_open")
    );
    assert_eq!(code(&open, Stage::FormalCheck, "2026-05-01"), None);
    let checking = RoundState {
        steps_done: false,
        ..state(Stage::FormalCheck)
    };
    assert_eq!(
        code(&checking, Stage::Evaluation, "2026-06-01"),
        Some("stage_not_done")
    );
    let checked = state(Stage::FormalCheck);
    assert_eq!(
        code(&checked, Stage::Evaluation, "2026-05-09"),
        Some("before_evaluation_date")
    );
    assert_eq!(code(&checked, Stage::Evaluation, "2026-05-10"), None);
    assert_eq!(
        code(&state(Stage::Evaluation), Stage::PublicNotice, "2026-05-20"),
        None
    );
    let notice = RoundState {
        notice: Some(dates().notice_from(date("2026-05-20"))),
        ..state(Stage::PublicNotice)
    };
    assert_eq!(
        code(&notice, Stage::ObjectionHandling, "2026-05-29"),
        Some("notice_running")
    );
    assert_eq!(code(&notice, Stage::ObjectionHandling, "2026-05-30"), None);
    let objected = RoundState {
        open_objections: 2,
        ..state(Stage::ObjectionHandling)
    };
    assert_eq!(
        code(&objected, Stage::Final, "2026-06-01"),
        Some("objections_open")
    );
    assert_eq!(
        code(&state(Stage::ObjectionHandling), Stage::Final, "2026-06-01"),
        None
    );
    assert_eq!(
        code(&state(Stage::Final), Stage::Final, "2026-06-01"),
        Some("not_next_stage")
    );
}

#[test]
fn opting_in_closes_with_the_deadline_or_the_stage() {
    let today = date("2026-04-30");
    assert!(check_opt_in(2026, None, today).is_ok());
    assert!(check_opt_in(2026, Some((Stage::Open, dates())), today).is_ok());
    assert_eq!(
        check_opt_in(2026, Some((Stage::Open, dates())), date("2026-05-01")),
        Err(OptInError::DeadlinePassed(2026, date("2026-04-30")))
    );
    assert_eq!(
        check_opt_in(2026, Some((Stage::FormalCheck, dates())), today),
        Err(OptInError::RoundClosed(2026))
    );
}

#[test]
fn objections_are_taken_during_the_notice_only() {
    let notice = Some(dates().notice_from(date("2026-05-20")));
    let ok = |stage, today: &str| check_objection_window(2026, stage, notice, date(today)).is_ok();
    assert!(ok(Stage::PublicNotice, "2026-05-20"));
    assert!(ok(Stage::PublicNotice, "2026-05-29"));
    assert!(!ok(Stage::PublicNotice, "2026-05-30"));
    assert!(!ok(Stage::Evaluation, "2026-05-20"));
    assert!(!ok(Stage::ObjectionHandling, "2026-05-25"));
    assert!(may_decide_objections(Stage::PublicNotice));
    assert!(may_decide_objections(Stage::ObjectionHandling));
    assert!(!may_decide_objections(Stage::Final));
}
