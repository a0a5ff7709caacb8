"""Platform-provided billing texts, translated per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from billing.models import CreditPack, ModuleCost, Plan


@register(Plan)
class PlanTranslation(TranslationOptions):
    fields = ("name", "description")


@register(ModuleCost)
class ModuleCostTranslation(TranslationOptions):
    fields = ("label",)


@register(CreditPack)
class CreditPackTranslation(TranslationOptions):
    fields = ("name",)
