"""Commerce rules. Views and tasks call these; reads live in `commerce.selectors`.

- `products`: catalogue CRUD and the pricing rule.
- `imports`: supplier URLs → products, charged `product_scraper` per product.
"""
