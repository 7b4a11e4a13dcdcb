CREATE TABLE "fallouts" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"order_item_id" text NOT NULL,
	"task_id" text NOT NULL,
	"type" text NOT NULL,
	"priority" integer NOT NULL,
	"state" text NOT NULL,
	"system" text,
	"root_cause_key" text NOT NULL,
	"assignee" text,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"revision" integer NOT NULL,
	"body" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "system_controls" (
	"system" text PRIMARY KEY NOT NULL,
	"paused" boolean NOT NULL,
	"reason" text,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "fallouts_state" ON "fallouts" USING btree ("state","system");--> statement-breakpoint
CREATE INDEX "fallouts_order" ON "fallouts" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "fallouts_root_cause" ON "fallouts" USING btree ("root_cause_key","state");