//! `POST /api/v1/validate`: answers per value, and bad requests refused clearly.

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;
use serde_json::json;

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    ("validate::valid_uscc_gets_parts", valid_uscc_gets_parts),
    (
        "validate::wrong_check_char_names_the_expected_one",
        wrong_check_char_names_the_expected_one,
    ),
    (
        "validate::patent_numbers_answer_in_order",
        patent_numbers_answer_in_order,
    ),
    (
        "validate::full_width_input_is_normalised",
        full_width_input_is_normalised,
    ),
    (
        "validate::nothing_to_validate_is_422",
        nothing_to_validate_is_422,
    ),
    ("validate::thousand_numbers_pass", thousand_numbers_pass),
    (
        "validate::ten_thousand_numbers_hit_a_clear_limit",
        ten_thousand_numbers_hit_a_clear_limit,
    ),
    (
        "validate::overlong_value_is_refused_per_value",
        overlong_value_is_refused_per_value,
    ),
];

const PATH: &str = "/api/v1/validate";

fn valid_uscc_gets_parts(worker: &TestWorker) -> Result<()> {
    let reply = worker.post_json(PATH, &json!({"uscc": "91350100M000100Y43"}))?;
    ensure!(reply.status == 200, "{}: {}", reply.status, reply.body);
    let uscc = &reply.json()?["uscc"];
    ensure!(
        uscc["valid"] == true && uscc["canonical"] == "91350100M000100Y43",
        "{uscc}"
    );
    ensure!(uscc["parts"]["area_code"] == "350100", "{uscc}");
    ensure!(uscc["parts"]["province"]["name_zh"] == "福建", "{uscc}");
    ensure!(uscc["parts"]["organisation_code"] == "M000100Y4", "{uscc}");
    Ok(())
}

fn wrong_check_char_names_the_expected_one(worker: &TestWorker) -> Result<()> {
    let reply = worker.post_json(PATH, &json!({"uscc": "91350100M000100Y4Z"}))?;
    ensure!(reply.status == 200, "{}: {}", reply.status, reply.body);
    let json = reply.json()?;
    let uscc = &json["uscc"];
    ensure!(
        uscc["valid"] == false && uscc["error"]["code"] == "check_char",
        "{uscc}"
    );
    ensure!(
        uscc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'3'")),
        "{uscc}"
    );
    ensure!(
        json["summary"] == json!({"valid": 0, "invalid": 1}),
        "{json}"
    );
    Ok(())
}

fn patent_numbers_answer_in_order(worker: &TestWorker) -> Result<()> {
    let numbers = [
        "ZL201080063196.9",
        "CN102822194B",
        "90101673x",
        "201220687633.1",
        "201220687633",
    ];
    let reply = worker.post_json(PATH, &json!({"patent_numbers": numbers}))?;
    ensure!(reply.status == 200, "{}: {}", reply.status, reply.body);
    let json = reply.json()?;
    let results = json["patent_numbers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(results.len() == numbers.len(), "{json}");
    for (result, input) in results.iter().zip(numbers) {
        ensure!(result["input"] == input, "order: {result}");
    }
    ensure!(
        results[0]["canonical"] == "201080063196.9",
        "{}",
        results[0]
    );
    ensure!(
        results[0]["parts"]["patent_type"] == "pct_invention",
        "{}",
        results[0]
    );
    ensure!(results[0]["parts"]["kind"] == "invention", "{}", results[0]);
    ensure!(
        results[1]["error"]["code"] == "publication_number",
        "{}",
        results[1]
    );
    ensure!(
        results[1]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("publication number")),
        "{}",
        results[1]
    );
    ensure!(
        results[2]["canonical"] == "90101673.X" && results[2]["parts"]["format"] == "old",
        "{}",
        results[2]
    );
    ensure!(
        results[3]["error"]["code"] == "check_digit",
        "{}",
        results[3]
    );
    ensure!(
        results[4]["error"]["code"] == "missing_check",
        "{}",
        results[4]
    );
    ensure!(
        json["summary"] == json!({"valid": 2, "invalid": 3}),
        "{json}"
    );
    Ok(())
}

fn full_width_input_is_normalised(worker: &TestWorker) -> Result<()> {
    let body = json!({"uscc": "９１３５０１００ｍ０００１００ｙ４３", "patent_numbers": ["ＺＬ２０１２２０６８７６３３．０"]});
    let json = worker.post_json(PATH, &body)?.json()?;
    ensure!(json["uscc"]["canonical"] == "91350100M000100Y43", "{json}");
    ensure!(
        json["patent_numbers"][0]["canonical"] == "201220687633.0",
        "{json}"
    );
    Ok(())
}

fn nothing_to_validate_is_422(worker: &TestWorker) -> Result<()> {
    for body in [
        json!({}),
        json!({"uscc": null}),
        json!({"patent_numbers": []}),
    ] {
        let reply = worker.post_json(PATH, &body)?;
        let error = assert_error(&reply, 422, "validation_failed")?;
        assert_field(&error, "uscc", "nothing_to_validate")?;
    }
    Ok(())
}

fn numbers(count: usize) -> Vec<String> {
    // Distinct valid numbers: 2013 invention serials with their computed check digit.
    (0..count)
        .map(|i| {
            let digits = format!("20131{i:07}");
            let sum: u32 = digits
                .chars()
                .zip([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])
                .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
                .sum();
            let check = match sum % 11 {
                10 => 'X',
                r => char::from_digit(r, 10).unwrap_or('0'),
            };
            format!("{digits}.{check}")
        })
        .collect()
}

fn thousand_numbers_pass(worker: &TestWorker) -> Result<()> {
    let reply = worker.post_json(PATH, &json!({"patent_numbers": numbers(1000)}))?;
    ensure!(
        reply.status == 200,
        "{}: {}",
        reply.status,
        &reply.body[..reply.body.len().min(500)]
    );
    ensure!(reply.json()?["summary"] == json!({"valid": 1000, "invalid": 0}));
    Ok(())
}

fn ten_thousand_numbers_hit_a_clear_limit(worker: &TestWorker) -> Result<()> {
    let body = serde_json::to_vec(&json!({"patent_numbers": numbers(10_000)}))?;
    ensure!(
        body.len() < 256 * 1024,
        "the body ({} bytes) should fit the size limit",
        body.len()
    );
    let reply = worker.post_bytes(PATH, body)?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "patent_numbers", "too_many")?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("1000")),
        "{error}"
    );
    Ok(())
}

fn overlong_value_is_refused_per_value(worker: &TestWorker) -> Result<()> {
    let long = "9".repeat(5000);
    let json = worker
        .post_json(PATH, &json!({"uscc": long, "patent_numbers": [long]}))?
        .json()?;
    ensure!(
        json["uscc"]["error"]["code"] == "too_long",
        "{}",
        json["uscc"]["error"]
    );
    ensure!(json["patent_numbers"][0]["error"]["code"] == "too_long");
    Ok(())
}
