DROP TABLE item_status_events;
DROP TABLE work_order_items;
DROP TABLE work_orders;
DROP TABLE instruments;
DROP TABLE sequences;
