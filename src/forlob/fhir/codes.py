"""Code systems, identifiers and profiles Forløb speaks in FHIR, in one place.

The Danish profiles decide the codes (KL Gateway Rehab ``http://fhir.kl.dk/rehab`` for §140
rehabilitation, KL common ``http://fhir.kl.dk/core`` for FSIII, DK core for identifiers). Where no
public code system exists we use a documented local one under ``LOCAL`` (listed in
``fhir/README.md``). fhir.resources checks structure and cardinality but accepts any string as a
code, so every binding we rely on is checked here, against these tables.
"""

from __future__ import annotations

from forlob.core.choices import GopLevel

# --- identifiers --------------------------------------------------------------------------------
CPR = "urn:oid:1.2.208.176.1.2"  # DK core: CPR number
SOR = "urn:oid:1.2.208.176.1.1"  # DK core: SOR organisation code
MUNICIPALITY_CODE = "urn:oid:1.2.208.176.1.3"  # DK core: municipality code (kommunekode)
SKS = "urn:oid:1.2.208.176.2.4"  # SKS classification (diagnoses "D..." e.g. DS721)
ICD10 = "http://hl7.org/fhir/sid/icd-10"
FSIII = "urn:oid:1.2.208.176.2.21"  # Fælles Sprog III
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"

# --- KL terminology -----------------------------------------------------------------------------
KL_CODES = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
KL_REHAB = "http://fhir.kl.dk/rehab/StructureDefinition"
PROFILE_SERVICE_REQUEST = f"{KL_REHAB}/klgateway-140-servicerequest"
PROFILE_CARE_PLAN = f"{KL_REHAB}/klgateway-140-care-plan"
PROFILE_ENCOUNTER = f"{KL_REHAB}/klgateway-140-encounter"
PROFILE_CITIZEN = f"{KL_REHAB}/klgateway-140-citizen"
EXT_DISCHARGE_DATE = f"{KL_REHAB}/PreconditionDate"  # "anledningUdskrivningsdato"
EXT_BASED_ON_SERVICE_REQUEST = f"{KL_REHAB}/BasedOnServiceRequestExtension"
EXT_BASED_ON_CARE_PLAN = f"{KL_REHAB}/BasedOnCarePlanExtension"
EXT_STATUS_REASON = "http://hl7.org/fhir/StructureDefinition/request-statusReason"

# ServiceRequest.code: the service asked for (ValueSet ServiceTypes140).
SERVICE_TRAINING = "7fc66c15-0cb3-4c89-9e18-f3a01e6a6592"  # "Træning"

# ServiceRequest.category: the GGOP type (ValueSet ServiceRequestTypes140). "almen" comes with a
# sub-level (basal/avanceret); specialised and rehabilitation stand alone.
GGOP_GENERAL = "ffd81f78-352e-4589-a195-5350dd1df2a4"  # almen
GGOP_BASAL = "8b962281-2ab6-4b10-9c91-4bac592d6d49"  # basal
GGOP_ADVANCED = "b679c454-2da2-46dd-9425-0e52d4aa2bf3"  # avanceret
GGOP_SPECIALISED = "0c8e2bfc-1350-45d1-90da-c07e2645d073"  # specialiseret
GGOP_REHABILITATION = "83c89857-8fb8-4163-97b1-eb1a56345c29"  # rehabilitering (specialised)
GGOP_DISPLAY = {
    GGOP_GENERAL: "almen",
    GGOP_BASAL: "basal",
    GGOP_ADVANCED: "avanceret",
    GGOP_SPECIALISED: "specialiseret",
    GGOP_REHABILITATION: "rehabilitering",
}
GGOP_CATEGORIES: dict[str, tuple[str, ...]] = {
    GopLevel.BASAL: (GGOP_GENERAL, GGOP_BASAL),
    GopLevel.ADVANCED: (GGOP_GENERAL, GGOP_ADVANCED),
    GopLevel.SPECIALISED: (GGOP_SPECIALISED,),
}

# ServiceRequest statusReason (ValueSet ServiceRequestStatusReasons140) ↔ our reject reasons.
STATUS_REASONS = {
    "f64b8f5e-8ced-4a8b-ab73-8994fb524915": "Anden kommune",
    "a8632e22-bf0c-4f5a-92a7-70977ba104d5": "Udskudt",
    "3796fa11-305f-47d6-b164-45b05489afb2": "FritValg",
    "8ac7be88-5d16-4dbd-a61a-ab02673f4b34": "Fejl",
    "46a6bc1f-bfe8-4390-a71f-44ad4a384b9d": "FritValg afslået",
}
REJECT_REASON_CODES = {
    "other_municipality": "f64b8f5e-8ced-4a8b-ab73-8994fb524915",
    "free_choice": "3796fa11-305f-47d6-b164-45b05489afb2",
    "sent_in_error": "8ac7be88-5d16-4dbd-a61a-ab02673f4b34",
}

# CarePlan.activity.detail.statusReason when an intervention stops (ValueSet CancellationTypes).
CANCELLATION_TYPES = {
    "4bbf6d6a-a1c6-41c2-b8c1-7352b7378adf": "Ikke yderligere behov (borger-vurderet)",
    "a63b6aa6-7d56-4e67-a5b3-d73f6d262af5": "Ikke yderligere behov (fagperson-vurderet)",
    "3a5a72b7-addf-4857-b80c-04e4246e3072": "Aktivt fravalg",
    "0cd5734d-b663-47c6-a3da-6b14a937d144": "Aktivt fravalg pga. anden sygdom",
    "f8436c2e-af1c-44fe-939d-473b518dd01d": "Aktivt fravalg pga. økonomi ifm. transport",
    "8371b769-4bfb-4ac8-b130-d91c54784a56": "Aktivt fravalg pga. logistik ifm. transport",
    "a3f2bd01-078b-486e-81be-797d192ad7bd": "Aktivt fravalg pga. anden træning",
    "82e99421-31da-4915-96ed-168ccfa1d20c": "Hændelse medfører ophør",
    "ef491570-7884-4acd-bcf7-43d6b2c64762": "Borger har ikke henvendt sig eller er udeblevet",
}
CANCELLATION_DEFAULT = "82e99421-31da-4915-96ed-168ccfa1d20c"  # "Hændelse medfører ophør"

# CarePlan.category for §140 (ValueSet CarePlanCategories140).
CARE_PLAN_INTERVENTION = "f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb"  # Interventionsforløb efter §140
CARE_PLAN_FOLLOW_UP = "4863001e-14c7-4be8-a2da-e4f21a4b6ac4"  # Opfølgningsforløb efter §140

# --- HL7 code systems ---------------------------------------------------------------------------
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ISSUE_TYPES = "http://hl7.org/fhir/issue-type"

# --- local code systems (documented in fhir/README.md) -------------------------------------------
LOCAL = "https://forlob.dk/fhir"
LOCAL_REFERRAL_TYPE = f"{LOCAL}/CodeSystem/referral-type"  # our ReferralType.code
LOCAL_DIAGNOSIS_AREA = f"{LOCAL}/CodeSystem/diagnosis-area"  # orthopaedic/medical/neurological
LOCAL_PATHWAY_TYPE = f"{LOCAL}/CodeSystem/pathway-type"
LOCAL_DROPOUT_REASON = f"{LOCAL}/CodeSystem/dropout-reason"  # DropoutReason.code (KL §140 list)
LOCAL_INSTRUMENT = f"{LOCAL}/CodeSystem/instrument"  # measure instruments and their scores
LOCAL_QUESTIONNAIRE = f"{LOCAL}/Questionnaire"  # canonical base for our questionnaires
LOCAL_FSIII_ITEM = f"{LOCAL}/CodeSystem/fsiii-item"  # FSIII item codes as used on our forms
LOCAL_REFERRAL_ID = f"{LOCAL}/sid/referral"  # identifier for referrals made in Forløb itself
LOCAL_STAFF = f"{LOCAL}/sid/staff"  # staff member (username)
