package dlp

import (
	"strings"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// documentedType is one infoType of Cloud DLP's infoType detector
// reference. detector is the emulator's built-in that finds it: its own
// name when the emulator detects it, another built-in's when it is
// approximated by that detector (findings then carry the detector's name),
// "" when the emulator does not detect it.
type documentedType struct {
	name, display string
	us            bool // United States category, else global
	detector      string
}

// documentedTypes lists the global infoTypes of the detector reference and
// the United States ones the emulator detects, in ListInfoTypes order.
var documentedTypes = []documentedType{
	{"ADVERTISING_ID", "Advertising ID", false, ""},
	{"AGE", "Age", false, "AGE"},
	{"AUTH_TOKEN", "Authentication token", false, ""},
	{"AWS_CREDENTIALS", "AWS credentials", false, ""},
	{"AZURE_AUTH_TOKEN", "Azure authentication token", false, ""},
	{"BASIC_AUTH_HEADER", "Basic authentication header", false, ""},
	{"CREDIT_CARD_EXPIRATION_DATE", "Credit card expiration date", false, ""},
	{"CREDIT_CARD_NUMBER", "Credit card number", false, "CREDIT_CARD_NUMBER"},
	{"CREDIT_CARD_TRACK_NUMBER", "Credit card track number", false, ""},
	{"DATE", "Date", false, "DATE"},
	{"DATE_OF_BIRTH", "Date of birth", false, "DATE_OF_BIRTH"},
	{"DOMAIN_NAME", "Domain name", false, "DOMAIN_NAME"},
	{"EMAIL_ADDRESS", "Email address", false, "EMAIL_ADDRESS"},
	{"ENCRYPTION_KEY", "Encryption key", false, ""},
	{"ETHNIC_GROUP", "Ethnic group", false, ""},
	{"FEMALE_NAME", "Female name", false, "PERSON_NAME"},
	{"FINANCIAL_ACCOUNT_NUMBER", "Financial account number", false, ""},
	{"FIRST_NAME", "First name", false, "PERSON_NAME"},
	{"GCP_API_KEY", "GCP API key", false, "GCP_API_KEY"},
	{"GCP_CREDENTIALS", "GCP credentials", false, ""},
	{"GENDER", "Gender", false, ""},
	{"GENERIC_ID", "Generic ID", false, ""},
	{"HTTP_COOKIE", "HTTP cookie", false, ""},
	{"HTTP_USER_AGENT", "HTTP user agent", false, ""},
	{"IBAN_CODE", "IBAN code", false, "IBAN_CODE"},
	{"ICCID_NUMBER", "ICCID number", false, ""},
	{"ICD10_CODE", "ICD-10 code", false, ""},
	{"ICD9_CODE", "ICD-9 code", false, ""},
	{"IMEI_HARDWARE_ID", "IMEI hardware ID", false, "IMEI_HARDWARE_ID"},
	{"IMSI_ID", "IMSI ID", false, ""},
	{"IP_ADDRESS", "IP address", false, "IP_ADDRESS"},
	{"JSON_WEB_TOKEN", "JSON Web Token", false, "JSON_WEB_TOKEN"},
	{"LAST_NAME", "Last name", false, "PERSON_NAME"},
	{"LOCATION", "Location", false, "STREET_ADDRESS"},
	{"LOCATION_COORDINATES", "Location coordinates", false, ""},
	{"MAC_ADDRESS", "MAC address", false, "MAC_ADDRESS"},
	{"MAC_ADDRESS_LOCAL", "Local MAC address", false, ""},
	{"MALE_NAME", "Male name", false, "PERSON_NAME"},
	{"MARITAL_STATUS", "Marital status", false, ""},
	{"MEDICAL_RECORD_NUMBER", "Medical record number", false, ""},
	{"MEDICAL_TERM", "Medical term", false, ""},
	{"OAUTH_CLIENT_SECRET", "OAuth client secret", false, ""},
	{"ORGANIZATION_NAME", "Organization name", false, ""},
	{"PASSPORT", "Passport number", false, "PASSPORT"},
	{"PASSWORD", "Password", false, ""},
	{"PERSON_NAME", "Person name", false, "PERSON_NAME"},
	{"PHONE_NUMBER", "Phone number", false, "PHONE_NUMBER"},
	{"POLITICAL_TERM", "Political term", false, ""},
	{"RELIGIOUS_TERM", "Religious term", false, ""},
	{"SEXUAL_ORIENTATION", "Sexual orientation", false, ""},
	{"SSL_CERTIFICATE", "SSL certificate", false, ""},
	{"STORAGE_SIGNED_POLICY_DOCUMENT", "Cloud Storage signed policy document", false, ""},
	{"STORAGE_SIGNED_URL", "Cloud Storage signed URL", false, ""},
	{"STREET_ADDRESS", "Street address", false, "STREET_ADDRESS"},
	{"SWIFT_CODE", "SWIFT code", false, "SWIFT_CODE"},
	{"TIME", "Time", false, ""},
	{"TRADE_UNION", "Trade union", false, ""},
	{"URL", "URL", false, "URL"},
	{"VAT_NUMBER", "VAT number", false, ""},
	{"VEHICLE_IDENTIFICATION_NUMBER", "Vehicle identification number", false, "VEHICLE_IDENTIFICATION_NUMBER"},
	{"WEAK_PASSWORD_HASH", "Weak password hash", false, ""},
	{"XSRF_TOKEN", "XSRF token", false, ""},
	{"US_EMPLOYER_IDENTIFICATION_NUMBER", "US EIN", true, "US_EMPLOYER_IDENTIFICATION_NUMBER"},
	{"US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER", "US ITIN", true, "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER"},
	{"US_PASSPORT", "US passport", true, "PASSPORT"},
	{"US_SOCIAL_SECURITY_NUMBER", "US Social Security number", true, "US_SOCIAL_SECURITY_NUMBER"},
	{"US_TOLLFREE_PHONE_NUMBER", "US toll-free phone number", true, "PHONE_NUMBER"},
}

var documentedIndex = func() map[string]documentedType {
	m := map[string]documentedType{}
	for _, d := range documentedTypes {
		m[d.name] = d
	}
	return m
}()

// notDetected answers a request naming a documented infoType the emulator
// does not detect: refused, never silently empty.
func notDetected(field, name string) error {
	return status.Errorf(codes.Unimplemented,
		"%s: infoType %q is a Cloud DLP infoType this emulator does not detect, so inspecting for it would silently find nothing; ListInfoTypes marks which infoTypes the emulator detects. Remove it or use a custom infoType (regex or dictionary).", field, name)
}

// Emulator markers at the end of every ListInfoTypes description.
const (
	markDetected    = "Emulator: detected."
	markApproximate = "Emulator: approximated by the %s detector; findings carry the infoType %s."
	markNotDetected = "Emulator: not detected; naming it in inspect_config.info_types answers UNIMPLEMENTED."
)

func describeInfoTypes() []*dlppb.InfoTypeDescription {
	out := make([]*dlppb.InfoTypeDescription, 0, len(documentedTypes))
	for _, d := range documentedTypes {
		desc, example := d.display+".", ""
		if i, ok := builtinIndex[d.name]; ok {
			desc, example = builtinList[i].desc, builtinList[i].example
		}
		var mark string
		switch d.detector {
		case d.name:
			mark = markDetected
		case "":
			mark = markNotDetected
		default:
			mark = strings.ReplaceAll(markApproximate, "%s", d.detector)
		}
		loc := dlppb.InfoTypeCategory_GLOBAL
		if d.us {
			loc = dlppb.InfoTypeCategory_UNITED_STATES
		}
		out = append(out, &dlppb.InfoTypeDescription{
			Name:        d.name,
			DisplayName: d.display,
			Description: desc + " " + mark,
			Example:     example,
			SupportedBy: []dlppb.InfoTypeSupportedBy{dlppb.InfoTypeSupportedBy_INSPECT},
			Categories:  []*dlppb.InfoTypeCategory{{Category: &dlppb.InfoTypeCategory_LocationCategory_{LocationCategory: loc}}},
		})
	}
	return out
}
