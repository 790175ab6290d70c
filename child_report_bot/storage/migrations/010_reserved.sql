-- Number 010 belongs to another branch's migration, merged separately; this file only keeps the
-- numbers running without a gap on the branch that added 011. Delete it when 010 arrives.
SELECT 1;
