-- One open objection per signed-in person and product in a round: an account cannot
-- keep a product from being identified by filing objection after objection (each open
-- one holds the round's no_open_objection gate). Once decided, the person may object
-- again. Objections filed without an account are limited per client address instead.
CREATE UNIQUE INDEX objections_one_open_per_person
    ON objections (product_id, year, filed_by)
    WHERE status = 'open' AND filed_by IS NOT NULL;
