//! Tests of the retry schedule, `Retry-After` and disabling failing endpoints.

use chrono::TimeZone as _;
use proptest::prelude::*;

use super::*;

#[test]
fn default_schedule_is_the_design() {
    let schedule = RetrySchedule::default();
    assert_eq!(
        schedule.delays(),
        [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
    );
    assert_eq!(schedule.attempts(), 8);
    assert_eq!(schedule.to_string().parse(), Ok(schedule.clone()));
    // No jitter at 0.5: each attempt waits exactly its scheduled delay.
    for (made, want) in schedule.delays().iter().enumerate() {
        assert_eq!(
            schedule.next_delay(made, 0.5, None),
            Some(*want),
            "after {made}"
        );
    }
    assert_eq!(schedule.next_delay(8, 0.5, None), None);
    assert_eq!(schedule.next_delay(usize::MAX, 0.5, Some(10)), None);
}

#[test]
fn schedules_parse_by_rule() {
    let twenty = vec!["1"; 20].join(",");
    let twenty_one = vec!["1"; 21].join(",");
    let accepted: [(&str, &[u64]); 4] = [
        ("0,1,2", &[0, 1, 2]),
        (" 0 , 60 ,3600 ", &[0, 60, 3_600]),
        ("604800", &[604_800]),
        (&twenty, &[1; 20]),
    ];
    for (input, want) in accepted {
        let schedule = RetrySchedule::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(schedule.delays(), want, "{input}");
        assert_eq!(schedule.attempts(), want.len(), "{input}");
    }
    let refused = [
        ("", "schedule_entry"),
        ("0,,5", "schedule_entry"),
        ("0,5,", "schedule_entry"),
        ("-5", "schedule_entry"),
        ("+5", "schedule_entry"),
        ("1.5", "schedule_entry"),
        ("5s", "schedule_entry"),
        ("604801", "schedule_delay"),
        ("99999999999999999999999", "schedule_delay"),
        (&twenty_one, "schedule_length"),
    ];
    for (input, want) in refused {
        let err = RetrySchedule::parse(input).expect_err(input);
        assert_eq!(err.code(), want, "{input}: {err}");
    }
}

#[test]
fn next_delay_jitters_and_honours_retry_after() {
    let schedule = RetrySchedule::default();
    // (attempts made, jitter, retry-after, expected)
    let cases = [
        (0, 0.0, None, Some(0)),
        (0, 0.99, None, Some(0)),
        (2, 0.0, None, Some(270)),
        (2, 0.5, None, Some(300)),
        (2, 0.999_999, None, Some(330)),
        (7, 0.0, None, Some(32_400)),
        // Out-of-range jitter is clamped into [0, 1).
        (2, -3.0, None, Some(270)),
        (2, 7.0, None, Some(330)),
        (2, f64::NAN, None, Some(270)),
        (2, f64::INFINITY, None, Some(330)),
        // Retry-After wins when longer, is ignored when shorter, and is capped at a day.
        (0, 0.5, Some(120), Some(120)),
        (1, 0.5, Some(60), Some(60)),
        (2, 0.5, Some(60), Some(300)),
        (1, 0.5, Some(10_000_000), Some(RETRY_AFTER_MAX_SECONDS)),
        (8, 0.5, Some(60), None),
    ];
    for (made, jitter, retry_after, want) in cases {
        assert_eq!(
            schedule.next_delay(made, jitter, retry_after),
            want,
            "after {made} with jitter {jitter} and Retry-After {retry_after:?}"
        );
    }
}

proptest! {
    #[test]
    fn jitter_stays_within_ten_percent(made in 0_usize..10, jitter in any::<f64>()) {
        let schedule = RetrySchedule::default();
        match (schedule.delays().get(made), schedule.next_delay(made, jitter, None)) {
            (Some(&scheduled), Some(delay)) => {
                let (low, high) = (scheduled as f64 * 0.9, scheduled as f64 * 1.1);
                prop_assert!(low.floor() as u64 <= delay && delay <= high.ceil() as u64,
                    "{scheduled} -> {delay}");
            }
            (None, None) => {}
            other => prop_assert!(false, "{other:?}"),
        }
    }
}

#[test]
fn retry_after_parses_seconds_and_dates() {
    let now = Utc
        .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
        .single()
        .expect("valid time");
    let cases = [
        ("120", Some(120)),
        (" 0 ", Some(0)),
        ("99999999999999999999999", Some(u64::MAX)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", Some(0)),
        ("Wed, 21 Oct 2015 07:30:30 GMT", Some(150)),
        ("Thu, 22 Oct 2015 07:28:00 GMT", Some(86_400)),
        // A date in the past means "now".
        ("Tue, 20 Oct 2015 07:28:00 GMT", Some(0)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
        ("", None),
        ("-5", None),
        ("+5", None),
        ("1.5", None),
        ("soon", None),
        // The weekday must match the date, and the zone must be GMT.
        ("Thu, 21 Oct 2015 07:28:00 GMT", None),
        ("Wed, 21 Oct 2015 07:28:00 +0800", None),
        ("2015-10-21T07:28:00Z", None),
    ];
    for (input, want) in cases {
        assert_eq!(parse_retry_after(input, now), want, "{input:?}");
    }
    // Part of a second still to wait rounds up.
    let later = now - chrono::TimeDelta::milliseconds(1_500);
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", later),
        Some(2)
    );
}

#[test]
fn endpoints_disable_after_five_days_of_failure() {
    let since = Utc
        .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("valid time");
    let cases = [
        (chrono::TimeDelta::zero(), false),
        (chrono::TimeDelta::days(4), false),
        (
            chrono::TimeDelta::days(5) - chrono::TimeDelta::seconds(1),
            false,
        ),
        (chrono::TimeDelta::days(5), true),
        (chrono::TimeDelta::days(30), true),
        (chrono::TimeDelta::days(-6), false),
    ];
    for (elapsed, want) in cases {
        assert_eq!(should_disable(since, since + elapsed), want, "{elapsed}");
    }
}
