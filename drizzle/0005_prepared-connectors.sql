CREATE TABLE "prepared_connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"external_id" text NOT NULL,
	"regions" text[] NOT NULL,
	"endpoint_override" text,
	"role_name" text NOT NULL,
	"write_back_enabled" boolean DEFAULT false NOT NULL,
	"session_duration_seconds" integer DEFAULT 3600 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "prepared_connectors" ADD CONSTRAINT "prepared_connectors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prepared_connectors_tenant_expiry_idx" ON "prepared_connectors" USING btree ("tenant_id","expires_at");