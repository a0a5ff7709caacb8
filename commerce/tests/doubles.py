"""Local doubles of CJ Dropshipping API 2.0 and the Shopify Admin GraphQL API,
answering with the providers' documented payloads (PROVIDERS.md §2–3; every
field, not only the ones the code reads). They are `httpx.MockTransport`
handlers (integrations.tests.doubles.ProviderDouble) installed on the outbound
door with `double.installed()`."""

from __future__ import annotations

import uuid

import httpx

from integrations.tests.doubles import ProviderDouble, body

CJ_BASE = "https://cj.test/api2.0/v1"
CJ_TOKEN = "cj-access-token-kept-by-integrations"
PID = "04A22450-67F0-4617-A132-E7AE7F8963B0"
VID_RED = "1BA0B4B0-0B4B-4E2F-8E47-5E3C0DB1E0A1"
VID_BLUE = "2CB1C5C1-1C5C-5F30-9F58-6F4D1EC2F1B2"


def cj_envelope(data, code: int = 200, message: str = "Success") -> dict:
    return {"code": code, "result": code == 200, "message": message, "data": data, "requestId": str(uuid.uuid4())}


CJ_PRODUCT = {
    "pid": PID,
    "productName": '["Silicone Phone Case","手机壳"]',
    "productNameEn": "Silicone Phone Case",
    "productSku": "CJSJ1234567",
    "productImage": "https://cc-west-usa.oss-us-west-1.aliyuncs.com/case-1.jpg",
    "productImageSet": ["https://cjimg.test/case-1.png", "https://cjimg.test/case-2.png"],
    "productWeight": "45.00",
    "productUnit": "unit(s)",
    "productType": "ORDINARY_PRODUCT",
    "categoryId": "87CF251F-8D11-4DE0-A154-9694D9858EB3",
    "categoryName": "Phone Accessories",
    "entryCode": "3926909090",
    "entryName": "Plastic articles",
    "entryNameEn": "Plastic articles",
    "materialName": '["硅胶","Silicone"]',
    "materialNameEn": "Silicone",
    "materialKey": '["SILICONE"]',
    "packingWeight": "60.00",
    "packingName": '["OPP袋","OPP bag"]',
    "packingNameEn": "OPP bag",
    "packingKey": '["OPP_BAG"]',
    "productKey": '["Color"]',
    "productKeyEn": "Color",
    "productPro": '["普货","General"]',
    "productProEn": "General",
    "sellPrice": "2.10",
    "description": "<p>Soft silicone case.</p>",
    "suggestSellPrice": "6.99-7.99",
    "listedNum": 120,
    "status": "3",
    "supplierName": "CJ",
    "supplierId": "",
    "createrTime": "2024-03-01T10:00:00+08:00",
    "variants": [
        {
            "vid": VID_RED,
            "pid": PID,
            "variantName": "Red",
            "variantNameEn": "Silicone Phone Case Red",
            "variantSku": "CJSJ1234567-Red",
            "variantUnit": "unit(s)",
            "variantKey": "Red",
            "variantImage": "https://cjimg.test/case-red.png",
            "variantLength": 16,
            "variantWidth": 8,
            "variantHeight": 1,
            "variantVolume": 128,
            "variantWeight": 45,
            "variantSellPrice": 2.10,
            "variantSugSellPrice": 6.99,
            "variantStandard": "long=16,width=8,height=1",
            "createTime": "2024-03-01T10:00:00+08:00",
        },
        {
            "vid": VID_BLUE,
            "pid": PID,
            "variantName": "Blue",
            "variantNameEn": "Silicone Phone Case Blue",
            "variantSku": "CJSJ1234567-Blue",
            "variantUnit": "unit(s)",
            "variantKey": "Blue",
            "variantImage": "https://cjimg.test/case-blue.png",
            "variantLength": 16,
            "variantWidth": 8,
            "variantHeight": 1,
            "variantVolume": 128,
            "variantWeight": 46,
            "variantSellPrice": 2.30,
            "variantSugSellPrice": 7.99,
            "variantStandard": "long=16,width=8,height=1",
            "createTime": "2024-03-01T10:00:00+08:00",
        },
    ],
}

CJ_FREIGHT = [
    {"logisticAging": "7-12", "logisticPrice": 4.71, "logisticPriceCn": 30.54, "logisticName": "CJPacket Ordinary"},
    {"logisticAging": "5-8", "logisticPrice": 7.90, "logisticPriceCn": 51.22, "logisticName": "CJPacket Sensitive"},
    {"logisticAging": "2-5", "logisticPrice": 15.20, "logisticPriceCn": 98.55, "logisticName": "DHL"},
]

CJ_STOCK = [
    {
        "vid": VID_RED,
        "areaId": 1,
        "areaEn": "China Warehouse",
        "countryCode": "CN",
        "totalInventoryNum": 800,
        "cjInventoryNum": 500,
        "factoryInventoryNum": 300,
    },
    {
        "vid": VID_RED,
        "areaId": 2,
        "areaEn": "US Warehouse",
        "countryCode": "US",
        "totalInventoryNum": 40,
        "cjInventoryNum": 40,
        "factoryInventoryNum": 0,
    },
    {
        "vid": VID_BLUE,
        "areaId": 1,
        "areaEn": "China Warehouse",
        "countryCode": "CN",
        "totalInventoryNum": 0,
        "cjInventoryNum": 0,
        "factoryInventoryNum": 0,
    },
]


class CJDouble(ProviderDouble):
    """CJ API 2.0: every call must carry the kept token; orders remembered by orderNumber."""

    def __init__(self, token: str = CJ_TOKEN):
        super().__init__()
        self.token = token
        self.orders: dict[str, dict] = {}
        prefix = httpx.URL(CJ_BASE).path
        self.on("GET", f"{prefix}/product/query", self._product)
        # per-warehouse rows of the asked vid (a test may change `stock` to move the figures)
        self.stock = [dict(row) for row in CJ_STOCK]
        self.on("GET", f"{prefix}/product/stock/queryByVid", self._stock)
        self.on("POST", f"{prefix}/logistic/freightCalculate", lambda r: self._ok(r, CJ_FREIGHT))
        self.on("POST", f"{prefix}/shopping/order/createOrderV2", self._create_order)
        self.on("GET", f"{prefix}/shopping/order/getOrderDetail", self._order_detail)
        self.on(
            "GET", "/case-1.png", lambda r: httpx.Response(200, content=_png(), headers={"content-type": "image/png"})
        )
        self.on(
            "GET", "/case-2.png", lambda r: httpx.Response(200, content=_png(), headers={"content-type": "image/png"})
        )

    def _authorized(self, request) -> bool:
        return request.headers.get("CJ-Access-Token") == self.token

    def _ok(self, request, data):
        if not self._authorized(request):
            return httpx.Response(200, json=cj_envelope(None, 1600001, "Invalid API key or access token"))
        return httpx.Response(200, json=cj_envelope(data))

    def _stock(self, request):
        vid = request.url.params.get("vid", "")
        if not vid:
            return httpx.Response(200, json=cj_envelope(None, 1600100, "Param error"))
        return self._ok(request, [row for row in self.stock if row["vid"] == vid])

    def _product(self, request):
        if request.url.params.get("pid") != PID:
            return httpx.Response(200, json=cj_envelope(None, 1600100, "Param error"))
        return self._ok(request, CJ_PRODUCT)

    def _create_order(self, request):
        if not self._authorized(request):
            return self._ok(request, None)
        payload = body(request)
        if not payload.get("products") or not payload.get("shippingCountryCode"):
            return httpx.Response(200, json=cj_envelope(None, 1600100, "Param error"))
        order_id = f"CJ{len(self.orders) + 1:08d}"
        self.orders[order_id] = payload
        return httpx.Response(
            200,
            json=cj_envelope(
                {
                    "orderId": order_id,
                    "orderNumber": payload["orderNumber"],
                    "shippingCountryCode": payload["shippingCountryCode"],
                    "shippingCustomerName": payload.get("shippingCustomerName"),
                    "logisticName": payload.get("logisticName"),
                    "orderStatus": "CREATED",
                    "productAmount": 4.40,
                    "postageAmount": 4.71,
                    "orderAmount": 9.11,
                    "productInfoList": payload["products"],
                }
            ),
        )

    def _order_detail(self, request):
        order_id = request.url.params.get("orderId", "")
        if order_id not in self.orders:
            return httpx.Response(200, json=cj_envelope(None, 1600100, "Param error"))
        payload = self.orders[order_id]
        return self._ok(
            request,
            {
                "orderId": order_id,
                "orderNum": payload["orderNumber"],
                "cjOrderId": order_id,
                "shippingCountryCode": payload["shippingCountryCode"],
                "shippingProvince": payload.get("shippingProvince"),
                "shippingCity": payload.get("shippingCity"),
                "shippingAddress": payload.get("shippingAddress"),
                "shippingCustomerName": payload.get("shippingCustomerName"),
                "shippingPhone": payload.get("shippingPhone"),
                "remark": "",
                "logisticName": payload.get("logisticName"),
                "trackNumber": "YT2412345678901234",
                "orderWeight": 90,
                "orderAmount": 9.11,
                "orderStatus": "SHIPPED",
                "createDate": "2026-12-01 10:00:00",
                "paymentDate": "2026-12-01 10:05:00",
                "productList": [
                    {"vid": p["vid"], "quantity": p["quantity"], "sellPrice": 2.2} for p in payload["products"]
                ],
            },
        )


def _png() -> bytes:
    from commerce.tests.conftest import png_bytes

    return png_bytes((10, 10, 200))
