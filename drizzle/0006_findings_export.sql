CREATE TABLE "exported_findings" (
	"connector_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"generator_id" text NOT NULL,
	"product_arn" text NOT NULL,
	"aws_id" text NOT NULL,
	"region" text NOT NULL,
	"document" jsonb NOT NULL,
	"export_id" uuid NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exported_findings_connector_id_generator_id_product_arn_aws_id_pk" PRIMARY KEY("connector_id","generator_id","product_arn","aws_id")
);
--> statement-breakpoint
CREATE TABLE "finding_export_items" (
	"export_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"seq" integer NOT NULL,
	"finding_id" uuid,
	"aws_id" text NOT NULL,
	"product_arn" text NOT NULL,
	"generator_id" text NOT NULL,
	"region" text,
	"document" jsonb NOT NULL,
	"archive" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"error_code" text,
	"error_message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "finding_export_items_export_id_seq_pk" PRIMARY KEY("export_id","seq")
);
--> statement-breakpoint
CREATE TABLE "finding_exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid NOT NULL,
	"requested_by" text,
	"idempotency_key" text,
	"content_hash" text NOT NULL,
	"only_failed" boolean DEFAULT false NOT NULL,
	"archive_previous" boolean DEFAULT false NOT NULL,
	"skipped_count" integer DEFAULT 0 NOT NULL,
	"regions" jsonb NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "export_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "prepared_connectors" ADD COLUMN "export_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "exported_findings" ADD CONSTRAINT "exported_findings_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exported_findings" ADD CONSTRAINT "exported_findings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exported_findings" ADD CONSTRAINT "exported_findings_export_id_finding_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."finding_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_export_items" ADD CONSTRAINT "finding_export_items_export_id_finding_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."finding_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_export_items" ADD CONSTRAINT "finding_export_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_export_items" ADD CONSTRAINT "finding_export_items_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_exports" ADD CONSTRAINT "finding_exports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_exports" ADD CONSTRAINT "finding_exports_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "finding_export_items_status_idx" ON "finding_export_items" USING btree ("export_id","status","seq");--> statement-breakpoint
CREATE INDEX "finding_exports_tenant_idx" ON "finding_exports" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "finding_exports_connector_idx" ON "finding_exports" USING btree ("tenant_id","connector_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "finding_exports_idempotency_key" ON "finding_exports" USING btree ("tenant_id","idempotency_key");