-- The ready row (current_health) carried its summary (~0.5 KB compressed) and alert signals
-- (~0.5 KB) inline, ~2 KB a row in the heap: every scan of the ready rows read them, though only
-- the rows a page shows (and the writer) need them. With a row target of 128 bytes PostgreSQL
-- keeps those two apart, in the table's TOAST storage, and the heap row is ~0.5 KB (20,000
-- customers: 39 MB of heap, 9.5 MB after). A scan that adds up the book (minimum ARR) took 22-32 ms
-- at 20,000 customers, 13-15 ms after; writing 2,000 rows' new values costs ~15-40 µs a row more
-- (measured). Columns a page reads from every row it shows stay inline (MAIN: moved apart only if
-- a row would not fit a page): the sparkline (~0.2 KB), and the name and owner, which a long name
-- would otherwise send apart too. Catalog changes only: a row already stored moves when its next
-- assessment is written.
ALTER TABLE "current_health" SET (toast_tuple_target = 128);
--> statement-breakpoint
ALTER TABLE "current_health" ALTER COLUMN "sparkline" SET STORAGE MAIN, ALTER COLUMN "customer_name" SET STORAGE MAIN, ALTER COLUMN "owner_name" SET STORAGE MAIN;
