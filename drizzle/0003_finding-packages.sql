ALTER TABLE "findings" ADD COLUMN "vulnerable_package_name" text;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "vulnerable_package_version" text;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "fixed_version" text;