-- migrate:up
-- Erasure of one person's data (analytics.erase_sender) finds their rejected
-- messages through this index, in time proportional to them.
CREATE INDEX "RejectedEvent_senderId_idx" ON "RejectedEvent" ("senderId") WHERE "senderId" IS NOT NULL;

-- migrate:down
DROP INDEX "RejectedEvent_senderId_idx";
