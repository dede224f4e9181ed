CREATE TABLE "finding_stat_cells" (
	"tenant_id" text NOT NULL,
	"finding_severity" smallint NOT NULL,
	"workflow_status" text NOT NULL,
	"record_state" text NOT NULL,
	"compliance_status" text,
	"product_name" text NOT NULL,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"connector_id" uuid,
	"counted" boolean NOT NULL,
	"vanished" boolean NOT NULL,
	"problems" integer NOT NULL,
	CONSTRAINT "finding_stat_cells_key" UNIQUE NULLS NOT DISTINCT("tenant_id","finding_severity","workflow_status","record_state","compliance_status","product_name","aws_account_id","region","connector_id","counted","vanished")
);
--> statement-breakpoint
CREATE TABLE "finding_stat_deltas" (
	"tenant_id" text NOT NULL,
	"finding_severity" smallint NOT NULL,
	"workflow_status" text NOT NULL,
	"record_state" text NOT NULL,
	"compliance_status" text,
	"product_name" text NOT NULL,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"connector_id" uuid,
	"counted" boolean NOT NULL,
	"vanished" boolean NOT NULL,
	"delta" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "finding_stat_cells" ADD CONSTRAINT "finding_stat_cells_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_stat_deltas" ADD CONSTRAINT "finding_stat_deltas_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "finding_stat_deltas_tenant_idx" ON "finding_stat_deltas" USING btree ("tenant_id");--> statement-breakpoint
-- Each statement on findings appends its net change per stat cell to finding_stat_deltas (its
-- transition tables hold every row it touched); compactFindingStats folds them into the cells.
-- A problem is a finding outside any de-duplication group, or a group's primary. The rows are
-- chosen by TG_OP in dynamic SQL: an INSERT trigger has no old rows to name, a DELETE no new ones.
CREATE FUNCTION "finding_stat_deltas_append"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols CONSTANT text := '"tenant_id", "finding_severity", "workflow_status", "record_state", "compliance_status",
    "product_name", "aws_account_id", "region", "connector_id", "counted", "vanished_at" IS NOT NULL AS "vanished"';
  problems CONSTANT text := '("dedup_key" IS NULL OR "is_primary")';
  signed text;
BEGIN
  signed := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS "sign" FROM "new_rows" WHERE %s', cols, problems)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS "sign" FROM "old_rows" WHERE %s', cols, problems)
    ELSE format('SELECT %s, -1 AS "sign" FROM "old_rows" WHERE %s UNION ALL SELECT %s, 1 FROM "new_rows" WHERE %s',
                cols, problems, cols, problems)
  END;
  EXECUTE format($sql$
    INSERT INTO "finding_stat_deltas" ("tenant_id", "finding_severity", "workflow_status", "record_state",
        "compliance_status", "product_name", "aws_account_id", "region", "connector_id", "counted", "vanished", "delta")
    SELECT r."tenant_id", r."finding_severity", r."workflow_status", r."record_state", r."compliance_status",
           r."product_name", r."aws_account_id", r."region", r."connector_id", r."counted", r."vanished", sum(r."sign")
      FROM (%s) r
      -- A tenant being deleted takes its findings with it: nothing of it is left to count.
      JOIN "tenants" t ON t."id" = r."tenant_id"
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    HAVING sum(r."sign") <> 0 $sql$, signed);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "findings_stat_insert" AFTER INSERT ON "findings" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "finding_stat_deltas_append"();
--> statement-breakpoint
CREATE TRIGGER "findings_stat_update" AFTER UPDATE ON "findings" REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "finding_stat_deltas_append"();
--> statement-breakpoint
CREATE TRIGGER "findings_stat_delete" AFTER DELETE ON "findings" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "finding_stat_deltas_append"();
--> statement-breakpoint
-- The findings already stored, counted once.
INSERT INTO "finding_stat_cells" ("tenant_id", "finding_severity", "workflow_status", "record_state",
    "compliance_status", "product_name", "aws_account_id", "region", "connector_id", "counted", "vanished", "problems")
SELECT "tenant_id", "finding_severity", "workflow_status", "record_state", "compliance_status", "product_name",
       "aws_account_id", "region", "connector_id", "counted", "vanished_at" IS NOT NULL, count(*)
  FROM "findings"
 WHERE "dedup_key" IS NULL OR "is_primary"
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
