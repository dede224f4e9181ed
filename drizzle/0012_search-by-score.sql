-- A search page in score order (findings/search-by-score.ts) asks which scores hold matches. The
-- plain GIN index cannot say without reading every match's row; this one holds each word prefixed
-- with the finding's tenant and score ('~acme~95~curl': no word the parser makes starts with '~',
-- tenant ids hold no '~', and searches reach these only through scored_query), so "acme's curl at
-- 95" is one index lookup.
CREATE FUNCTION "scored_lexemes"(words tsvector, score smallint, tenant text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT array_to_tsvector(array(SELECT '~' || tenant || '~' || score || '~' || lexeme FROM unnest(words))) $$;
--> statement-breakpoint
-- What a finding's scored lexemes match when its words match `words`, its score is `score` and its
-- tenant `tenant` (for & | ! and :* queries, as search builds them; a phrase needs positions, which
-- these lack). Tenant ids are letters, digits and . _ : - (auth/authenticate.ts): nothing to quote.
CREATE FUNCTION "scored_query"(words tsquery, score smallint, tenant text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT regexp_replace(words::text, '''((?:[^'']|'''')*)''', '''~' || tenant || '~' || score || '~\1''', 'g')::tsquery $$;
--> statement-breakpoint
SET LOCAL maintenance_work_mem = '256MB';--> statement-breakpoint
CREATE INDEX "findings_search_by_score_idx" ON "findings" USING gin (scored_lexemes("search","detection_score","tenant_id")) WITH (gin_pending_list_limit=128);--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_detection_score_range" CHECK ("findings"."detection_score" between 0 and 100);
