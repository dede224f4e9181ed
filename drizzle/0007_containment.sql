CREATE TABLE "containment_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"method" text NOT NULL,
	"requested_by" text,
	"reason" text NOT NULL,
	"finding_id" uuid,
	"connector_id" uuid,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"vpc_id" text,
	"cidr" text NOT NULL,
	"protocol" text NOT NULL,
	"from_port" integer,
	"to_port" integer,
	"dry_run" boolean NOT NULL,
	"result" text NOT NULL,
	"message" text,
	"aws_error_code" text,
	"aws_request_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"changes" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "containment_blocks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"connector_id" uuid,
	"block_action_id" uuid NOT NULL,
	"lift_action_id" uuid,
	"aws_account_id" text NOT NULL,
	"region" text NOT NULL,
	"vpc_id" text NOT NULL,
	"kind" text NOT NULL,
	"resource_id" text NOT NULL,
	"rule_number" integer,
	"egress" boolean DEFAULT false NOT NULL,
	"cidr" text NOT NULL,
	"protocol" text NOT NULL,
	"from_port" integer,
	"to_port" integer,
	"rule" jsonb,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"lifted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "containment_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "prepared_connectors" ADD COLUMN "containment_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "containment_actions" ADD CONSTRAINT "containment_actions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_actions" ADD CONSTRAINT "containment_actions_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_actions" ADD CONSTRAINT "containment_actions_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_blocks" ADD CONSTRAINT "containment_blocks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_blocks" ADD CONSTRAINT "containment_blocks_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_blocks" ADD CONSTRAINT "containment_blocks_block_action_id_containment_actions_id_fk" FOREIGN KEY ("block_action_id") REFERENCES "public"."containment_actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containment_blocks" ADD CONSTRAINT "containment_blocks_lift_action_id_containment_actions_id_fk" FOREIGN KEY ("lift_action_id") REFERENCES "public"."containment_actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "containment_actions_tenant_idx" ON "containment_actions" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "containment_blocks_active_idx" ON "containment_blocks" USING btree ("tenant_id","aws_account_id","region","cidr") WHERE "containment_blocks"."status" = 'ACTIVE';