CREATE TABLE "finding_update_items" (
	"request_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"finding_id" uuid NOT NULL,
	"connector_id" uuid,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"product_arn" text NOT NULL,
	"aws_id" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"error_code" text,
	"error_message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "finding_update_items_request_id_finding_id_pk" PRIMARY KEY("request_id","finding_id")
);
--> statement-breakpoint
CREATE TABLE "finding_updates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"requested_by" text,
	"changes" jsonb NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "write_back_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "finding_update_items" ADD CONSTRAINT "finding_update_items_request_id_finding_updates_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."finding_updates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_update_items" ADD CONSTRAINT "finding_update_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_update_items" ADD CONSTRAINT "finding_update_items_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_update_items" ADD CONSTRAINT "finding_update_items_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_updates" ADD CONSTRAINT "finding_updates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "finding_update_items_finding_idx" ON "finding_update_items" USING btree ("tenant_id","finding_id");--> statement-breakpoint
CREATE INDEX "finding_updates_tenant_idx" ON "finding_updates" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "finding_updates_pending_idx" ON "finding_updates" USING btree ("status") WHERE "finding_updates"."status" = 'PENDING';