ALTER TABLE "connectors" ADD COLUMN "api" text;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "format" text DEFAULT 'ASFF' NOT NULL;--> statement-breakpoint
-- Connectors made before the new Security Hub was supported read CSPM; they keep doing so.
UPDATE "connectors" SET "api" = 'CSPM';
