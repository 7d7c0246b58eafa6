"""Common spellings of manufacturers and calibers on e-Trace records; admins add more."""

from django.db import migrations

from tracing.normalise import caliber_key, manufacturer_key

MANUFACTURERS = {
    "SMITH & WESSON": ["S&W", "S & W", "SMITH AND WESSON", "SMITH WESSON", "SMITH & WESSON INC"],
    "STURM RUGER": ["RUGER", "STURM RUGER & CO", "STURM RUGER AND CO", "STURM RUGER & COMPANY"],
    "GLOCK": ["GLOCK INC", "GLOCK GMBH"],
    "SIG SAUER": ["SIG", "SIGARMS", "SIG SAUER INC", "SIG-SAUER"],
    "TAURUS": ["FORJAS TAURUS", "TAURUS INTERNATIONAL", "TAURUS INTL"],
    "HI-POINT": ["HI POINT", "HIPOINT", "BEEMILLER", "HI POINT FIREARMS"],
    "SPRINGFIELD ARMORY": ["SPRINGFIELD", "SPRINGFIELD INC"],
    "KEL-TEC": ["KEL TEC", "KELTEC", "KEL TEC CNC"],
    "HECKLER & KOCH": ["H&K", "H & K", "HK", "HECKLER AND KOCH"],
    "COLT": ["COLT S MFG", "COLTS MFG", "COLT S MANUFACTURING"],
    "MOSSBERG": ["O F MOSSBERG", "O F MOSSBERG & SONS", "MOSSBERG & SONS"],
    "REMINGTON": ["REMINGTON ARMS"],
    "JIMENEZ ARMS": ["JIMENEZ", "JA"],
    "CANIK": ["CENTURY ARMS CANIK", "CANIK55"],
    "SCCY": ["SCCY INDUSTRIES"],
}
CALIBERS = {
    "9MM": ["9MM", "9", "9X19", "9X19MM", "9MMLUGER", "9MMPARA", "9MMPARABELLUM", "9LUGER"],
    ".40 S&W": [".40", "40", ".40S&W", "40S&W", ".40SW", "40SW", "40CAL", ".40CAL"],
    ".45 ACP": [".45", "45", ".45ACP", "45ACP", "45AUTO", ".45AUTO", "45CAL"],
    ".380 ACP": [".380", "380", ".380ACP", "380ACP", "380AUTO", "9MMKURZ"],
    ".38 SPECIAL": [".38", "38", ".38SPL", "38SPL", ".38SPECIAL", "38SPECIAL"],
    ".357 MAGNUM": [".357", "357", ".357MAG", "357MAG", ".357MAGNUM", "357MAGNUM"],
    ".22 LR": [".22", "22", ".22LR", "22LR", "22LONGRIFLE", ".22LONGRIFLE"],
    ".25 ACP": [".25", "25", ".25ACP", "25ACP", "25AUTO"],
    "5.56MM": ["5.56", "5.56MM", "5.56X45", "5.56NATO", ".223", "223", ".223REM", "223REM"],
    "7.62X39MM": ["7.62X39", "7.62X39MM"],
    "12 GAUGE": ["12GA", "12GAUGE", "12G"],
}


def forwards(apps, schema_editor):
    manufacturer_alias = apps.get_model("tracing", "ManufacturerAlias")
    caliber_alias = apps.get_model("tracing", "CaliberAlias")
    manufacturer_alias.objects.bulk_create(
        [
            manufacturer_alias(alias=manufacturer_key(alias), canonical=manufacturer_key(canonical))
            for canonical, aliases in MANUFACTURERS.items()
            for alias in {*aliases, canonical}
        ],
        ignore_conflicts=True,
    )
    caliber_alias.objects.bulk_create(
        [
            caliber_alias(alias=caliber_key(alias), canonical=canonical)
            for canonical, aliases in CALIBERS.items()
            for alias in {*aliases, canonical}
        ],
        ignore_conflicts=True,
    )


def backwards(apps, schema_editor):
    apps.get_model("tracing", "ManufacturerAlias").objects.all().delete()
    apps.get_model("tracing", "CaliberAlias").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tracing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
