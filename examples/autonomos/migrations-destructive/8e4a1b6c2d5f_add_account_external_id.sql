-- revision: 8e4a1b6c2d5f
-- down_revision: 7c1e2f9a4b3d
-- message: add external id to Account

ALTER TABLE "Account" ADD COLUMN "ExternalId__c" VARCHAR(64);
CREATE UNIQUE INDEX "ix_Account_ExternalId__c" ON "Account" ("ExternalId__c") WHERE "ExternalId__c" IS NOT NULL;
