CREATE TABLE "connector_cursors" (
	"connector_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"stream" text NOT NULL,
	"cursor_at" timestamp (3) with time zone NOT NULL,
	"scope_hash" text NOT NULL,
	"run_id" uuid,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_cursors_connector_id_stream_pk" PRIMARY KEY("connector_id","stream")
);
--> statement-breakpoint
CREATE TABLE "run_slices" (
	"run_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"slice" text NOT NULL,
	"stream" text NOT NULL,
	"account_id" text NOT NULL,
	"region" text NOT NULL,
	"window_start" timestamp (3) with time zone NOT NULL,
	"window_end" timestamp (3) with time zone NOT NULL,
	"query_end" timestamp (3) with time zone,
	"next_token" text,
	"high_water" timestamp (3) with time zone,
	"pages" integer DEFAULT 0 NOT NULL,
	"throttled" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"counts" jsonb NOT NULL,
	"done" boolean DEFAULT false NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_slices_run_id_slice_pk" PRIMARY KEY("run_id","slice")
);
--> statement-breakpoint
ALTER TABLE "run_checkpoints" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "run_checkpoints" CASCADE;--> statement-breakpoint
DROP INDEX "runs_lease_idx";--> statement-breakpoint
DROP INDEX "findings_tenant_dedup_idx";--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "last_sweep_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD COLUMN "fingerprint" text;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD COLUMN "seen_count" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD COLUMN "last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "last_synced_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "vanished_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "requested_mode" text DEFAULT 'AUTO' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "mode" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "job_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "queue" text DEFAULT 'connector-run' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "attempt" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "worker" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "remediation" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cancel_requested_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "connector_cursors" ADD CONSTRAINT "connector_cursors_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_cursors" ADD CONSTRAINT "connector_cursors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_cursors" ADD CONSTRAINT "connector_cursors_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_slices" ADD CONSTRAINT "run_slices_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_slices" ADD CONSTRAINT "run_slices_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "finding_rejects_fingerprint_key" ON "finding_rejects" USING btree ("tenant_id","fingerprint");--> statement-breakpoint
CREATE INDEX "findings_tenant_dedup_primary_idx" ON "findings" USING btree ("tenant_id","dedup_key") WHERE "findings"."is_primary";--> statement-breakpoint
CREATE UNIQUE INDEX "runs_job_key" ON "runs" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "findings_tenant_dedup_idx" ON "findings" USING btree ("tenant_id","dedup_key","counted" DESC NULLS LAST,"first_observed_at","id");--> statement-breakpoint
ALTER TABLE "runs" DROP COLUMN "lease_owner";--> statement-breakpoint
ALTER TABLE "runs" DROP COLUMN "lease_expires_at";