using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// The sandbox's JSON settings: web defaults (camelCase), enums as camelCase strings, UTC times with a <c>Z</c>, and
/// nullability and required constructor parameters enforced when reading.
/// </summary>
internal static class SandboxJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the settings to ASP.NET Core's own options.</summary>
    public static void Configure(JsonOptions options) => Configure(options.SerializerOptions);

    private static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new UtcTimeConverter());
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping; // readable messages; never rendered as HTML
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        return options;
    }

    /// <summary>Writes times as Tracktile does, <c>2024-01-15T10:30:00.000Z</c>; reads any ISO 8601 time.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
