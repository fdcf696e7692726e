using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// Business Central's error codes (api-reference/v2.0/dynamics-error-codes.md) and its error body,
/// <c>{"error":{"code":"...","message":"..."}}</c>.
/// </summary>
internal static class BcErrors
{
    public const string BadRequest = "BadRequest";
    public const string NotFound = "BadRequest_NotFound";
    public const string InvalidToken = "BadRequest_InvalidToken";
    public const string MethodNotAllowed = "BadRequest_MethodNotAllowed";
    public const string MethodNotImplemented = "BadRequest_MethodNotImplemented";
    public const string InvalidOperation = "BadRequest_InvalidOperation";
    public const string EntityChanged = "Request_EntityChanged";
    public const string EntityWithSameKeyExists = "Internal_EntityWithSameKeyExists";
    public const string RecordNotFound = "Internal_RecordNotFound";
    public const string ServerError = "Internal_ServerError";
    public const string DialogException = "Application_DialogException";
    public const string StringExceededLength = "Application_StringExceededLength";
    public const string FieldValidation = "Application_FieldValidationException";
    public const string TooManyRequests = "Application_TooManyRequests";
    public const string InvalidCredentials = "Authentication_InvalidCredentials";
    public const string Unknown = "Unknown";

    public const string InvalidTokenMessage =
        "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.";

    public const string EntityChangedMessage = "Another user has already changed the record.";

    public const string InvalidCredentialsMessage = "The server has rejected the client credentials.";

    public static IResult Result(int status, string code, string message)
        => Results.Text(Body(code, message), "application/json; charset=utf-8", statusCode: status);

    public static IResult Result(BcApiException error) => Result(error.StatusCode, error.Code, error.Message);

    public static string Body(string code, string message)
        => new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString();

    /// <summary>The code BC uses for an error status, for answers that have no more specific one (injected faults).</summary>
    public static string CodeForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => InvalidCredentials,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => EntityChanged,
        429 => TooManyRequests,
        500 => ServerError,
        _ => Unknown,
    };

    public static BcApiException NoResource(HttpRequest request)
        => new(StatusCodes.Status404NotFound, NotFound,
            $"No HTTP resource was found that matches the request URI '{request.Scheme}://{request.Host}{request.Path}{request.QueryString}'.");

    public static BcApiException InvalidBody(string? detail = null)
        => new(StatusCodes.Status400BadRequest, BadRequest, detail is null ? "Invalid Request Body" : "Invalid Request Body: " + detail);

    public static BcApiException Dialog(string message) => new(StatusCodes.Status400BadRequest, DialogException, message);

    public static BcApiException DoesNotExist(string table, string identification)
        => new(StatusCodes.Status404NotFound, NotFound, $"The {table} does not exist. Identification fields and values: {identification}");
}

/// <summary>An answer in Business Central's error shape; thrown by the fake's handlers and state, answered by <see cref="BcApi"/>.</summary>
public sealed class BcApiException : Exception
{
    public BcApiException()
        : this(StatusCodes.Status500InternalServerError, BcErrors.Unknown, "Unknown error.")
    {
    }

    public BcApiException(string message)
        : this(StatusCodes.Status400BadRequest, BcErrors.BadRequest, message)
    {
    }

    public BcApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = StatusCodes.Status400BadRequest;
        Code = BcErrors.BadRequest;
    }

    public BcApiException(int statusCode, string code, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>The HTTP status answered.</summary>
    public int StatusCode { get; }

    /// <summary>The <c>error.code</c> answered.</summary>
    public string Code { get; }
}
