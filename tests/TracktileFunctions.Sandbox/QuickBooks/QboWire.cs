using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// How QuickBooks Online writes things: times in the company's zone (a fixed UTC-07:00 here), JSON or XML by the
/// request's <c>Accept</c> header (XML unless <c>application/json</c> is asked for), <c>intuit_tid</c>, fault bodies.
/// </summary>
internal static class QboWire
{
    public const string TidHeader = "intuit_tid";
    public const string JsonContentType = "application/json;charset=UTF-8";
    public const string XmlContentType = "application/xml;charset=UTF-8";
    public const string Namespace = "http://schema.intuit.com/finance/v3";

    /// <summary>The sandbox company's UTC offset (US Pacific daylight time, as in Intuit's samples).</summary>
    public static readonly TimeSpan CompanyOffset = TimeSpan.FromHours(-7);

    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>MetaData</c> times: <c>2015-07-24T10:33:39-07:00</c>.</summary>
    public static string MetaTime(DateTimeOffset time) => time.ToOffset(CompanyOffset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>The response's <c>time</c>: <c>2015-07-24T10:33:39.110-07:00</c>.</summary>
    public static string ResponseTime(DateTimeOffset time) => time.ToOffset(CompanyOffset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>A company date (<c>TxnDate</c>): <c>2015-07-24</c>.</summary>
    public static string Date(DateTimeOffset time) => time.ToOffset(CompanyOffset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A transaction id like the ones QuickBooks answers in <c>intuit_tid</c> (uuid-shaped).</summary>
    public static string NewTid() => Guid.NewGuid().ToString("D");

    /// <summary>Whether the request asked for JSON (<c>Accept: application/json</c>); QuickBooks answers XML otherwise.</summary>
    public static bool WantsJson(HttpRequest request)
        => request.Headers.Accept.Any(v => v is not null && v.Contains("application/json", StringComparison.OrdinalIgnoreCase));

    /// <summary>A validation (or other) fault body: <c>{"Fault":{"Error":[{Message, Detail, code, element}],"type"},"time"}</c>.</summary>
    public static JsonObject FaultBody(DateTimeOffset now, string code, string message, string detail, string? element = null, string type = "ValidationFault")
    {
        var error = new JsonObject { ["Message"] = message, ["Detail"] = detail, ["code"] = code };
        if (element is not null)
        {
            error["element"] = element;
        }

        return new JsonObject
        {
            ["Fault"] = new JsonObject { ["Error"] = new JsonArray(error), ["type"] = type },
            ["time"] = ResponseTime(now),
        };
    }

    /// <summary>The throttle fault (HTTP 429, code 3001, type SERVICE).</summary>
    public static JsonObject ThrottleBody(DateTimeOffset now)
        => FaultBody(now, "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request limit was reached.  Try again later", null, "SERVICE");

    /// <summary>
    /// The authentication failure (HTTP 401, code 3200). In JSON QuickBooks' auth layer answers a lower-case
    /// <c>fault.error[]</c> envelope with many null members (not the <c>Fault</c> of validation errors).
    /// </summary>
    public static (byte[] Body, string ContentType) AuthenticationFault(DateTimeOffset now, string detail, bool json)
    {
        const string message = "message=AuthenticationFailed; errorCode=003200; statusCode=401";
        if (!json)
        {
            return (Encoding.UTF8.GetBytes(ToXml(FaultBody(now, "3200", message, detail, null, "AUTHENTICATION"))), XmlContentType);
        }

        var body = new JsonObject
        {
            ["warnings"] = null,
            ["intuitObject"] = null,
            ["fault"] = new JsonObject
            {
                ["error"] = new JsonArray(new JsonObject { ["message"] = message, ["detail"] = detail, ["code"] = "3200", ["element"] = null }),
                ["type"] = "AUTHENTICATION",
            },
            ["report"] = null,
            ["queryResponse"] = null,
            ["batchItemResponse"] = new JsonArray(),
            ["attachableResponse"] = new JsonArray(),
            ["syncErrorResponse"] = null,
            ["requestId"] = null,
            ["time"] = now.ToUnixTimeMilliseconds(),
            ["status"] = null,
            ["cdcresponse"] = new JsonArray(),
        };
        return (Encoding.UTF8.GetBytes(body.ToJsonString(Compact)), JsonContentType);
    }

    /// <summary>The body in JSON, or in QuickBooks' XML (<c>IntuitResponse</c>).</summary>
    public static (byte[] Body, string ContentType) Render(JsonObject body, bool json)
        => json ? (Encoding.UTF8.GetBytes(body.ToJsonString(Compact)), JsonContentType) : (Encoding.UTF8.GetBytes(ToXml(body)), XmlContentType);

    /// <summary>
    /// A JSON answer as QuickBooks' XML: <c>&lt;IntuitResponse xmlns=... time=...&gt;</c>, objects as elements, arrays as
    /// repeated elements, and the XSD's attributes (<c>domain</c>, <c>sparse</c>, <c>status</c>, a Ref's <c>name</c>,
    /// a Fault's <c>type</c>, an Error's <c>code</c>, a QueryResponse's <c>startPosition</c>, a BatchItemResponse's
    /// <c>bId</c>...) as attributes.
    /// </summary>
    public static string ToXml(JsonObject body)
    {
        XNamespace ns = Namespace;
        var root = new XElement(ns + "IntuitResponse");
        foreach (var (key, value) in body)
        {
            if (key == "time")
            {
                root.SetAttributeValue("time", Text(value));
                continue;
            }

            AddElements(root, ns, key, value);
        }

        var document = new XDocument(new XDeclaration("1.0", "UTF-8", "yes"), root);
        using var writer = new Utf8StringWriter();
        using (var xml = XmlWriter.Create(writer, new XmlWriterSettings { Encoding = Encoding.UTF8 }))
        {
            document.Save(xml);
        }

        return writer.ToString();
    }

    /// <summary>A random token of URL-safe letters and digits.</summary>
    public static string RandomAlphanumeric(int length, bool lowerOnly = false)
    {
        const string all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const string lower = "abcdefghijklmnopqrstuvwxyz0123456789";
        var alphabet = lowerOnly ? lower : all;
        return string.Create(length, alphabet, static (span, chars) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = chars[RandomNumberGenerator.GetInt32(chars.Length)];
            }
        });
    }

    private static void AddElements(XElement parent, XNamespace ns, string name, JsonNode? value)
    {
        switch (value)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    AddElements(parent, ns, name, item);
                }

                break;
            case JsonObject obj:
                var element = new XElement(ns + name);
                foreach (var (key, child) in obj)
                {
                    if (IsAttribute(name, key, child))
                    {
                        element.SetAttributeValue(key, Text(child));
                    }
                    else if (key == "value" && name.EndsWith("Ref", StringComparison.Ordinal))
                    {
                        element.Add(new XText(Text(child) ?? string.Empty));
                    }
                    else if (key == "value" && name is "CustomerMemo")
                    {
                        element.Add(new XText(Text(child) ?? string.Empty));
                    }
                    else
                    {
                        AddElements(element, ns, key, child);
                    }
                }

                parent.Add(element);
                break;
            case null:
                break;
            default:
                parent.Add(new XElement(ns + name, Text(value)));
                break;
        }
    }

    private static bool IsAttribute(string element, string key, JsonNode? value)
        => value is JsonValue
           && (key is "domain" or "sparse" or "status" or "startPosition" or "maxResults" or "totalCount"
               || (element == "Fault" && key == "type")
               || (element == "BatchItemResponse" && key == "bId")
               || (element == "Error" && key is "code" or "element")
               || (element.EndsWith("Ref", StringComparison.Ordinal) && key is "name" or "type"));

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => node.ToJsonString(),
    };

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}

/// <summary>A QuickBooks fault to answer: the status, and the one Error of the Fault body.</summary>
internal sealed class QboFaultException(int status, string code, string message, string detail, string? element = null, string type = "ValidationFault")
    : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Detail { get; } = detail;

    public string? Element { get; } = element;

    public string Type { get; } = type;

    public JsonObject Body(DateTimeOffset now) => QboWire.FaultBody(now, Code, Message, Detail, Element, Type);

    // ---- the faults QuickBooks documents (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes) ----

    public static QboFaultException Required(string parameter)
        => new(400, "2020", "Required param missing, need to supply the required value for the API", $"Required parameter {parameter} is missing in the request", parameter);

    public static QboFaultException Invalid(string detail, string? element = null)
        => new(400, "2010", "Request has invalid or unsupported property", detail, element);

    public static QboFaultException Length(string element, int max, int supplied)
        => new(400, "2050", "String length is either shorter or longer than supported by specification",
            $"String length specified does not match the supported length. Min:0 Max:{max.ToString(CultureInfo.InvariantCulture)} supplied:{supplied.ToString(CultureInfo.InvariantCulture)}", element);

    public static QboFaultException NotFound(string? element = null)
        => new(400, "610", "Object Not Found", "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.", element);

    public static QboFaultException Deleted()
        => new(400, "610", "Object Not Found", "Object Not Found : Another user has deleted this transaction.");

    public static QboFaultException InvalidReference(string element, string entity, string id)
        => new(400, "2500", "Invalid Reference Id", $"Invalid Reference Id : {entity} assigned to this transaction has been deleted or does not exist. Id={id}", element);

    public static QboFaultException DuplicateName(string entity)
        => new(400, "6240", "Duplicate Name Exists Error", $"The name supplied already exists. : Another {entity} is already using this name. Please use a different name.");

    public static QboFaultException DuplicateDocNumber(string docNumber, string txnId)
        => new(400, "6140", "Duplicate Doc Num",
            $"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={docNumber} is assigned to TxnType=Invoice with TxnId={txnId}");

    public static QboFaultException Stale()
        => new(400, "5010", "Stale Object Error",
            "Stale Object Error : You and Sandbox Company User were working on this at the same time. Sandbox Company User finished before you did, so your work was not saved.");

    public static QboFaultException Business(string detail, string? element = null)
        => new(400, "6000", "A business validation error has occurred while processing your request", "Business Validation Error: " + detail, element);

    public static QboFaultException AmountMismatch(decimal supplied)
        => new(400, "6070", "Amount is not equal to UnitPrice * Qty",
            "Amount is not equal to UnitPrice * Qty. Supplied value:" + supplied.ToString("0.00", CultureInfo.InvariantCulture), "Line.Amount");

    public static QboFaultException Unsupported(string operation, string? sandboxNote = null)
        => new(400, "500", "Unsupported Operation", sandboxNote ?? $"Operation {operation} is not supported.", "Operation");

    public static QboFaultException Enumeration(string value, string element)
        => new(400, "2170", "Invalid Enumeration", "Invalid Enumeration : " + value, element);

    public static QboFaultException QueryParser(string detail)
        => new(400, "4000", "Error parsing query", "QueryParserError: " + detail);

    public static QboFaultException QueryValidation(string detail)
        => new(400, "4001", "Invalid query", "QueryValidationError: " + detail);
}
