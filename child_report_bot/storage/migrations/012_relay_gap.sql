-- Placeholder on branch relay only: the numbers 010-012 belong to other branches of this round.
-- Delete this file when those migrations are merged (it creates nothing).
SELECT 1;
