CREATE TABLE "assets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid,
	"resource_arn" text NOT NULL,
	"resource_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"name" text,
	"aws_account_id" text,
	"region" text,
	"partition" text,
	"details" jsonb,
	"tags" jsonb NOT NULL,
	"criticality" smallint,
	"criticality_source" text DEFAULT 'DEFAULT' NOT NULL,
	"internet_exposed" boolean DEFAULT false NOT NULL,
	"risk_score" integer DEFAULT 0 NOT NULL,
	"risk_factors" jsonb,
	"scoring_version" text,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connector_secrets" (
	"connector_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"ciphertext" text NOT NULL,
	"key_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_secrets_connector_id_kind_pk" PRIMARY KEY("connector_id","kind")
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"state" text DEFAULT 'REGISTERED' NOT NULL,
	"last_error" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"auth_mode" text NOT NULL,
	"source_mode" text,
	"access_key_id" text,
	"role_arn" text,
	"external_id" text NOT NULL,
	"base_account_id" text,
	"role_session_name" text,
	"session_duration_seconds" integer DEFAULT 3600 NOT NULL,
	"regions" text[] NOT NULL,
	"endpoint_override" text,
	"scope" jsonb NOT NULL,
	"schedule" jsonb,
	"next_run_at" timestamp (3) with time zone,
	"transform_map_key" text DEFAULT 'aws-security-hub-vulnerability' NOT NULL,
	"default_severity" text DEFAULT 'MEDIUM' NOT NULL,
	"write_back_enabled" boolean DEFAULT false NOT NULL,
	"last_test" jsonb,
	"state_changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"topic" text NOT NULL,
	"type" text NOT NULL,
	"entity_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "finding_rejects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid,
	"run_id" uuid,
	"product_arn" text,
	"aws_id" text,
	"reason" text NOT NULL,
	"problems" jsonb NOT NULL,
	"raw" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid,
	"asset_id" uuid,
	"product_arn" text NOT NULL,
	"aws_id" text NOT NULL,
	"generator_id" text NOT NULL,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"product_name" text NOT NULL,
	"company_name" text,
	"external_finding_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"recommendation" text,
	"references" text[] DEFAULT '{}'::text[] NOT NULL,
	"asset_name" text,
	"cloud_instance_id" text,
	"system_type" text,
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"types" text[] DEFAULT '{}'::text[] NOT NULL,
	"severity_label" text NOT NULL,
	"severity_normalized" smallint,
	"severity_original" text,
	"finding_severity" smallint NOT NULL,
	"detection_score" smallint NOT NULL,
	"score_factors" jsonb NOT NULL,
	"scoring_version" text NOT NULL,
	"counted" boolean NOT NULL,
	"cves" text[] DEFAULT '{}'::text[] NOT NULL,
	"cvss_v2_base" real,
	"cvss3_base" real,
	"epss_score" real,
	"exploit_available" text,
	"fix_available" text,
	"is_exploit_available" boolean,
	"is_patch_available" boolean,
	"workflow_status" text NOT NULL,
	"record_state" text NOT NULL,
	"verification_state" text,
	"compliance_status" text,
	"security_control_id" text,
	"confidence" smallint,
	"criticality" smallint,
	"note" jsonb,
	"user_defined_fields" jsonb,
	"dedup_key" text,
	"is_primary" boolean DEFAULT true NOT NULL,
	"first_observed_at" timestamp (3) with time zone NOT NULL,
	"last_observed_at" timestamp (3) with time zone NOT NULL,
	"aws_created_at" timestamp (3) with time zone NOT NULL,
	"aws_updated_at" timestamp (3) with time zone NOT NULL,
	"raw" jsonb NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_checkpoints" (
	"run_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"account_id" text DEFAULT '' NOT NULL,
	"region" text NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"next_token" text,
	"cursor_updated_at" timestamp (3) with time zone,
	"counts" jsonb NOT NULL,
	"done" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_checkpoints_run_id_account_id_region_pk" PRIMARY KEY("run_id","account_id","region")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"window_start" timestamp (3) with time zone,
	"window_end" timestamp (3) with time zone,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone,
	"error" text,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transform_maps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"base_map_key" text,
	"entries" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_secrets" ADD CONSTRAINT "connector_secrets_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_secrets" ADD CONSTRAINT "connector_secrets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD CONSTRAINT "finding_rejects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD CONSTRAINT "finding_rejects_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_rejects" ADD CONSTRAINT "finding_rejects_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_checkpoints" ADD CONSTRAINT "run_checkpoints_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_checkpoints" ADD CONSTRAINT "run_checkpoints_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transform_maps" ADD CONSTRAINT "transform_maps_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_tenant_arn_key" ON "assets" USING btree ("tenant_id","resource_arn");--> statement-breakpoint
CREATE INDEX "assets_tenant_risk_idx" ON "assets" USING btree ("tenant_id","risk_score","id");--> statement-breakpoint
CREATE INDEX "assets_tenant_last_seen_idx" ON "assets" USING btree ("tenant_id","last_seen_at","id");--> statement-breakpoint
CREATE INDEX "assets_tenant_name_idx" ON "assets" USING btree ("tenant_id",coalesce("name", "resource_id"),"id");--> statement-breakpoint
CREATE INDEX "assets_tenant_type_idx" ON "assets" USING btree ("tenant_id","resource_type");--> statement-breakpoint
CREATE INDEX "assets_tenant_account_idx" ON "assets" USING btree ("tenant_id","aws_account_id","region");--> statement-breakpoint
CREATE UNIQUE INDEX "connectors_tenant_name_key" ON "connectors" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE INDEX "connectors_tenant_order_idx" ON "connectors" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "connectors_due_idx" ON "connectors" USING btree ("next_run_at");--> statement-breakpoint
CREATE INDEX "events_tenant_topic_idx" ON "events" USING btree ("tenant_id","topic","id");--> statement-breakpoint
CREATE INDEX "finding_rejects_tenant_idx" ON "finding_rejects" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "finding_rejects_run_idx" ON "finding_rejects" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_tenant_identity_key" ON "findings" USING btree ("tenant_id","product_arn","aws_id");--> statement-breakpoint
CREATE INDEX "findings_tenant_score_idx" ON "findings" USING btree ("tenant_id","detection_score","id");--> statement-breakpoint
CREATE INDEX "findings_tenant_severity_idx" ON "findings" USING btree ("tenant_id","finding_severity","detection_score","id");--> statement-breakpoint
CREATE INDEX "findings_tenant_last_observed_idx" ON "findings" USING btree ("tenant_id","last_observed_at","id");--> statement-breakpoint
CREATE INDEX "findings_tenant_first_observed_idx" ON "findings" USING btree ("tenant_id","first_observed_at","id");--> statement-breakpoint
CREATE INDEX "findings_tenant_updated_idx" ON "findings" USING btree ("tenant_id","aws_updated_at","id");--> statement-breakpoint
CREATE INDEX "findings_tenant_asset_idx" ON "findings" USING btree ("tenant_id","asset_id");--> statement-breakpoint
CREATE INDEX "findings_tenant_connector_idx" ON "findings" USING btree ("tenant_id","connector_id");--> statement-breakpoint
CREATE INDEX "findings_tenant_dedup_idx" ON "findings" USING btree ("tenant_id","dedup_key");--> statement-breakpoint
CREATE INDEX "findings_tenant_account_region_idx" ON "findings" USING btree ("tenant_id","aws_account_id","region");--> statement-breakpoint
CREATE INDEX "findings_cves_idx" ON "findings" USING gin ("cves");--> statement-breakpoint
CREATE INDEX "findings_search_idx" ON "findings" USING gin ("search");--> statement-breakpoint
CREATE INDEX "runs_connector_idx" ON "runs" USING btree ("tenant_id","connector_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_lease_idx" ON "runs" USING btree ("status","lease_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "transform_maps_tenant_name_key" ON "transform_maps" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE INDEX "transform_maps_tenant_order_idx" ON "transform_maps" USING btree ("tenant_id","created_at","id");