"""Commerce rules. Views and tasks call these; reads live in `commerce.selectors`.

- `products`: catalogue CRUD and the pricing rule.
- `imports`: supplier URLs → products, charged `product_scraper` per product.
- `sync`: store connection and the sync job; `upserts`: rows in (sync pages and webhooks); `push`: rows out.
"""
