using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.QuickBooks;

/// <summary>An answer of the connect flow: a redirect (<see cref="Location"/>) or a short HTML page.</summary>
public sealed record ConnectReply(int StatusCode, string Html, Uri? Location = null);

/// <summary>
/// Connecting a QuickBooks company, once, by a person: <c>GET /api/connect/quickbooks</c> (function key) redirects to
/// Intuit's authorization page with a signed <c>state</c> that expires in 10 minutes; Intuit sends the browser back to
/// <c>GET /api/connect/quickbooks/callback</c> with a code and the company's realm id, which are exchanged for tokens and
/// kept. The callback trusts nothing but the signed state: no function key reaches it from Intuit's redirect.
/// </summary>
public sealed partial class QuickBooksConnect(QuickBooksConnection connection, IOptions<QuickBooksOptions> options, ILogger<QuickBooksConnect> logger)
{
    /// <summary>The redirect to Intuit's authorization page (404 when QuickBooks is off).</summary>
    public ConnectReply Start()
        => options.Value.Enabled
            ? new ConnectReply(302, "", connection.AuthorizationUrl())
            : Page(404, "QuickBooks is off", "Set QuickBooks:ClientId, QuickBooks:ClientSecret and QuickBooks:RedirectUri first.");

    /// <summary>Intuit's callback.</summary>
    public async Task<ConnectReply> CallbackAsync(string? code, string? state, string? realmId, string? error, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return Page(404, "QuickBooks is off", "Set QuickBooks:ClientId, QuickBooks:ClientSecret and QuickBooks:RedirectUri first.");
        }

        if (!connection.IsValidState(state))
        {
            LogBadState();
            return Page(400, "Not connected", "This link is not one the app made, or it is more than 10 minutes old. Start again from /api/connect/quickbooks.");
        }

        if (error is not null)
        {
            LogRefused(error);
            return Page(400, "Not connected", $"QuickBooks answered {error}: the company was not connected.");
        }

        if (string.IsNullOrWhiteSpace(code) || string.IsNullOrWhiteSpace(realmId))
        {
            return Page(400, "Not connected", "The callback carries no code or no realmId.");
        }

        try
        {
            await connection.CompleteAsync(code, realmId, cancellationToken).ConfigureAwait(false);
        }
        catch (QuickBooksCompanyChangeException ex)
        {
            LogCompanyChange(ex.Connected, ex.Offered);
            return Page(409, "Not connected", $"{ex.Message}. To move the app to company {ex.Offered}, clear its QuickBooks state first (docs/connectors/quickbooks.md, Changing company).");
        }
        catch (Exception ex) when (ex is not (QuickBooksApiException or OperationCanceledException))
        {
            LogSaveFailed(ex.GetType().Name);
            return Page(503, "Not connected", "The connection could not be saved (storage or Key Vault did not answer). Start again from /api/connect/quickbooks.");
        }
        catch (QuickBooksApiException ex)
        {
            LogExchangeFailed(ex.Status, ex.ErrorCode);
            return Page(ex.IsTransient ? 502 : 400, "Not connected", ex.IsTransient
                ? "Intuit's token endpoint did not answer. Start again from /api/connect/quickbooks."
                : "Intuit refused the authorization code (it lasts a few minutes and works once). Start again from /api/connect/quickbooks.");
        }

        return Page(200, "QuickBooks connected", $"Company {realmId} is connected. Invoices and customers now flow; you can close this page.");
    }

    private static ConnectReply Page(int status, string title, string text)
        => new(status, $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head>"
                       + $"<body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p></body></html>");

    [LoggerMessage(LogLevel.Warning, "QuickBooks connect callback refused: the app is connected to company {Connected}, not {Offered}")]
    private partial void LogCompanyChange(string connected, string offered);

    [LoggerMessage(LogLevel.Error, "QuickBooks connect callback: the tokens could not be saved ({Error}); not connected")]
    private partial void LogSaveFailed(string error);

    [LoggerMessage(LogLevel.Warning, "QuickBooks connect callback refused: the state is not the app's, or has expired")]
    private partial void LogBadState();

    [LoggerMessage(LogLevel.Warning, "QuickBooks connect callback: Intuit answered {Error}; not connected")]
    private partial void LogRefused(string error);

    [LoggerMessage(LogLevel.Error, "QuickBooks connect callback: the code exchange failed ({Status}, {ErrorCode}); not connected")]
    private partial void LogExchangeFailed(int status, string? errorCode);
}
