CREATE TABLE "jeopardies" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"order_item_id" text,
	"task_id" text,
	"system" text,
	"kind" text NOT NULL,
	"level" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"body" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"order_id" text NOT NULL,
	"task_id" text,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "jeopardies_level" ON "jeopardies" USING btree ("level","at");--> statement-breakpoint
CREATE INDEX "jeopardies_order" ON "jeopardies" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "notifications_recipient" ON "notifications" USING btree ("recipient","created_at");