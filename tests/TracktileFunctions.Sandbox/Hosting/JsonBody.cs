using System.Text.Json;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>Reads a JSON object request body, turning every way it can be wrong into a status and a message.</summary>
internal static class JsonBody
{
    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return new(default, default, StatusCodes.Status415UnsupportedMediaType, "The body must be JSON (Content-Type: application/json).");
        }

        try
        {
            var raw = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, SandboxJson.Options, request.HttpContext.RequestAborted);
            if (raw.ValueKind != JsonValueKind.Object)
            {
                return new(default, raw, StatusCodes.Status400BadRequest, "The body must be a JSON object.");
            }

            var value = raw.Deserialize<T>(SandboxJson.Options);
            return value is null
                ? new(default, raw, StatusCodes.Status400BadRequest, "The body is empty.")
                : new(value, raw, StatusCodes.Status200OK, null);
        }
        catch (JsonException ex)
        {
            return new(default, default, StatusCodes.Status400BadRequest, "The body is not valid: " + ex.Message);
        }
    }
}

/// <summary>A body read by <see cref="JsonBody.ReadAsync{T}"/>: the value and the raw object, or why it was refused.</summary>
internal readonly record struct JsonBody<T>(T? Value, JsonElement Raw, int ProblemStatus, string? Problem);
