ALTER TABLE "assets" ADD COLUMN "category" text;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "configuration" jsonb;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "security_hub_finding_counts" jsonb;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "inventoried_at" timestamp (3) with time zone;