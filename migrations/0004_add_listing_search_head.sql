-- Relevance in two tiers: listings whose title or tags match come first, then
-- those that match elsewhere, each tier newest first. A small vector of the title
-- and tags decides the tier without ranking every match.
ALTER TABLE listings ADD COLUMN search_head tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', techex_search_tokens(title || ' ' || techex_join_text(tags)))) STORED;
