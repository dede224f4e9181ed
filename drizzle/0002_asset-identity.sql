-- Asset identity (issue 9, "Mapping fidelity"). Assets were unique per (tenant, resource Id), so a
-- resource Id that is not an ARN (Prowler's account id or "No trails", Config's
-- "AWS::::Account:123456789012", CSPM's "AWS::IAM::AccessKey:null") merged the resources of every
-- account, Region and type that share it into one asset, typed by whichever finding came last.
-- From here an asset is unique per (tenant, identity_key), computed by `assetIdentityKey` in
-- src/mapping/assets.ts: the ARN itself, else the JSON array [partition, account, Region, type, Id].
-- Stored data moves over: ARN assets keep their rows; a merged non-ARN asset is split, each of its
-- findings going to the asset of its own identity (from the finding's stored ASFF); an asset no
-- finding points at keeps its own columns.
DROP INDEX "assets_tenant_arn_key";--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "identity_key" text;--> statement-breakpoint
-- The SQL twin of assetIdentityKey: to_json quotes and escapes a string as JSON.stringify does, and
-- the array is joined without spaces, as JSON.stringify joins it
-- (test/integration/asset-identity-migration.test.ts checks that both give the same keys).
CREATE FUNCTION pg_temp.asset_identity_key(
  "partition" text, account text, region text, resource_type text, id text
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN id LIKE 'arn:%' THEN id ELSE
    '[' || coalesce(to_json("partition")::text, 'null')
    || ',' || coalesce(to_json(account)::text, 'null')
    || ',' || coalesce(to_json(region)::text, 'null')
    || ',' || coalesce(to_json(resource_type)::text, 'null')
    || ',' || coalesce(to_json(id)::text, 'null') || ']'
  END
$$;--> statement-breakpoint
-- Each finding on a non-ARN asset, with the identity of its own resource: the resource of the
-- finding's ASFF with the asset's Id (Resources[0] where none has it: a custom map's
-- externalAssetId), taken as extractAssets takes it (partition from the resource, else from the
-- ProductArn; the finding's account; the resource's Region, else the finding's).
CREATE TEMP TABLE "asset_identity_sightings" AS
SELECT f.id AS finding_id, a.id AS merged_id, s.*,
       pg_temp.asset_identity_key(s."partition", s.account, s.region, s.resource_type, a.resource_arn) AS identity_key,
       f.first_observed_at, f.last_observed_at
  FROM "findings" f
  JOIN "assets" a ON a.id = f.asset_id AND a.tenant_id = f.tenant_id
  CROSS JOIN LATERAL (
    SELECT coalesce(
      (SELECT e.resource FROM jsonb_array_elements(f.raw -> 'Resources') WITH ORDINALITY AS e(resource, n)
        WHERE e.resource ->> 'Id' = a.resource_arn ORDER BY e.n LIMIT 1),
      f.raw -> 'Resources' -> 0) AS resource
  ) r
  CROSS JOIN LATERAL (
    SELECT coalesce(r.resource ->> 'Partition',
                    CASE WHEN f.product_arn LIKE 'arn:%' THEN split_part(f.product_arn, ':', 2) END) AS "partition",
           f.aws_account_id AS account,
           coalesce(r.resource ->> 'Region', f.region) AS region,
           coalesce(r.resource ->> 'Type', a.resource_type) AS resource_type
  ) s
 WHERE a.resource_arn NOT LIKE 'arn:%';--> statement-breakpoint
-- One asset per (merged asset, identity). The merged row itself goes on as the identity it already
-- described (its own columns' identity, where a finding has it; else the first key): its id, which
-- other subgraphs may hold, stays with the resource it showed.
CREATE TEMP TABLE "asset_identity_split" AS
SELECT g.*,
       CASE WHEN row_number() OVER (PARTITION BY g.merged_id ORDER BY g.own DESC, g.identity_key) = 1
            THEN g.merged_id ELSE gen_random_uuid() END AS asset_id
  FROM (
    SELECT s.merged_id, s.identity_key, s."partition", s.account, s.region, s.resource_type,
           min(s.first_observed_at) AS first_seen_at, max(s.last_observed_at) AS last_seen_at,
           s.identity_key = pg_temp.asset_identity_key(a."partition", a.aws_account_id, a.region, a.resource_type, a.resource_arn) AS own
      FROM "asset_identity_sightings" s
      JOIN "assets" a ON a.id = s.merged_id
     GROUP BY s.merged_id, s.identity_key, s."partition", s.account, s.region, s.resource_type,
              a."partition", a.aws_account_id, a.region, a.resource_type, a.resource_arn
  ) g;--> statement-breakpoint
-- New assets copy what the merged row knew of the resource (name, details, tags, criticality,
-- even one set by hand) and take type, account, Region and partition from their findings. Risk is
-- marked stale (scoring_version '') for the start-up recompute; until then each keeps the merged
-- row's score, an upper bound of its own (risk never falls when findings are added).
INSERT INTO "assets" (
  id, tenant_id, connector_id, identity_key, resource_arn, resource_id, resource_type, name,
  aws_account_id, region, "partition", details, tags, criticality, criticality_source,
  internet_exposed, risk_score, risk_factors, scoring_version, first_seen_at, last_seen_at, created_at
)
SELECT t.asset_id, a.tenant_id, a.connector_id, t.identity_key, a.resource_arn, a.resource_id, t.resource_type, a.name,
       t.account, t.region, t."partition", a.details, a.tags, a.criticality, a.criticality_source,
       a.internet_exposed, a.risk_score, a.risk_factors, '', t.first_seen_at, t.last_seen_at, a.created_at
  FROM "asset_identity_split" t
  JOIN "assets" a ON a.id = t.merged_id
 WHERE t.asset_id <> t.merged_id;--> statement-breakpoint
UPDATE "assets" a
   SET identity_key = t.identity_key, resource_type = t.resource_type, aws_account_id = t.account,
       region = t.region, "partition" = t."partition", first_seen_at = t.first_seen_at,
       last_seen_at = t.last_seen_at, scoring_version = '', updated_at = now()
  FROM "asset_identity_split" t
 WHERE t.asset_id = t.merged_id AND a.id = t.merged_id;--> statement-breakpoint
UPDATE "findings" f
   SET asset_id = t.asset_id
  FROM "asset_identity_sightings" s
  JOIN "asset_identity_split" t ON t.merged_id = s.merged_id AND t.identity_key = s.identity_key
 WHERE f.id = s.finding_id AND f.asset_id <> t.asset_id;--> statement-breakpoint
-- ARN assets, and assets no finding points at: the identity of their own columns.
UPDATE "assets"
   SET identity_key = pg_temp.asset_identity_key("partition", aws_account_id, region, resource_type, resource_arn)
 WHERE identity_key IS NULL;--> statement-breakpoint
DROP TABLE "asset_identity_split";--> statement-breakpoint
DROP TABLE "asset_identity_sightings";--> statement-breakpoint
DROP FUNCTION pg_temp.asset_identity_key(text, text, text, text, text);--> statement-breakpoint
ALTER TABLE "assets" ALTER COLUMN "identity_key" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_tenant_identity_key" ON "assets" USING btree ("tenant_id","identity_key");--> statement-breakpoint
CREATE INDEX "assets_tenant_arn_idx" ON "assets" USING btree ("tenant_id","resource_arn");
