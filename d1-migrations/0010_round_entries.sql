-- What a round made of each product that opted in: the inputs read at the formal
-- check (confidential: figures and shares), the gates it failed, its indicator values
-- (round_values, the sample of the benchmarks) and its outcome.

CREATE TABLE round_entries (
    year             INTEGER NOT NULL REFERENCES rounds (year),
    product_id       INTEGER NOT NULL REFERENCES products (id),
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id),
    field            TEXT NOT NULL,
    region_code      TEXT NOT NULL,
    -- ppr_core::methodology::ProductYear as JSON.
    inputs           TEXT NOT NULL CHECK (json_valid(inputs)),
    eligible         INTEGER NOT NULL CHECK (eligible IN (0, 1)),
    failed_gates     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(failed_gates)),
    -- NULL while an eligible product waits for the evaluation.
    outcome          TEXT CHECK (outcome IS NULL
                         OR outcome IN ('ineligible', 'identified', 'not_identified', 'removed')),
    rule             TEXT,
    benchmark_set_id INTEGER REFERENCES benchmark_sets (id),
    -- The upheld objection that removed it from the list.
    objection_id     INTEGER,
    PRIMARY KEY (year, product_id)
) STRICT;

CREATE INDEX round_entries_eligible ON round_entries (year, eligible, product_id);
CREATE INDEX round_entries_outcome ON round_entries (year, outcome, product_id);
CREATE INDEX round_entries_enterprise ON round_entries (enterprise_id, year);

-- Indicator values of the eligible products, by indicator (its index in the
-- methodology): the benchmarks are order statistics of these, read through the
-- indexes without loading a round into the Worker.
CREATE TABLE round_values (
    year       INTEGER NOT NULL,
    indicator  INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    field      TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (year, indicator, product_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX round_values_field ON round_values (year, indicator, field, value);
CREATE INDEX round_values_all ON round_values (year, indicator, value);

-- Benchmarks as each chunk of the benchmarks step computes them (ppr_core Benchmark
-- as JSON), assembled into the round's benchmark set when the last one is done.
CREATE TABLE round_benchmarks (
    year      INTEGER NOT NULL,
    indicator INTEGER NOT NULL,
    field     TEXT NOT NULL,
    content   TEXT NOT NULL CHECK (json_valid(content)),
    PRIMARY KEY (year, indicator, field)
) STRICT;
