-- Idempotency keys are identifiers, not words: compare them byte by byte (collation "C").
-- Every batch looks up and inserts up to 1,000 keys in this index, and a locale-aware
-- comparison costs several times a memcmp.
ALTER TABLE usage_dedup ALTER COLUMN idempotency_key TYPE text COLLATE "C";
