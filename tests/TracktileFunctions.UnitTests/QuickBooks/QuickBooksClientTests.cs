using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.UnitTests.QuickBooks;

public sealed class QuickBooksClientTests
{
    private static readonly QuickBooksBatchRequest[] Requests =
    [
        QuickBooksBatchRequest.Write("Item", "create", new JsonObject { ["Name"] = "A" }),
        QuickBooksBatchRequest.Write("Item", "create", new JsonObject { ["Name"] = "B" }),
        QuickBooksBatchRequest.Select("select * from Item where Sku = 'C'"),
        QuickBooksBatchRequest.Select("select * from Item where Sku = 'D'"),
    ];

    [Fact]
    public void Answers_OutOfOrderWithAFaultAndAnEmptyQuery_EachMatchedByItsBId()
    {
        using var answer = JsonDocument.Parse("""
            {"BatchItemResponse":[
              {"bId":"2","QueryResponse":{"Item":[{"Id":"7","Name":"C"}],"startPosition":1,"maxResults":1}},
              {"bId":"1","Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists.","code":"6240"}],"type":"ValidationFault"}},
              {"bId":"0","Item":{"Id":"5","Name":"A","SyncToken":"0"}},
              {"bId":"3","QueryResponse":{}}
            ],"time":"2026-12-01T10:00:00-08:00"}
            """);

        var answers = QuickBooksClient.Answers(answer.RootElement, Requests);

        Assert.Equal("5", QuickBooksClient.Text(answers[0].Entity!.Value, "Id"));
        var fault = Assert.IsType<QuickBooksApiException>(answers[1].Error);
        Assert.Equal((QuickBooksApiException.DuplicateName, false), (fault.ErrorCode, fault.IsTransient));
        Assert.Contains("Duplicate Name Exists Error", fault.Message, StringComparison.Ordinal);
        Assert.Equal("7", QuickBooksClient.Text(Assert.Single(answers[2].Found), "Id"));
        Assert.Equal((null, null), (answers[3].Error, answers[3].Entity));
        Assert.Empty(answers[3].Found);
    }

    [Fact]
    public void Answers_MissingOrForeignBIdAndSystemFault_EachATransientFailure()
    {
        using var answer = JsonDocument.Parse("""
            {"BatchItemResponse":[
              {"bId":"00","Item":{"Id":"9"}},
              {"bId":"1","Fault":{"Error":[{"Message":"An application error has occurred","code":"10000"}],"type":"SystemFault"}},
              {"bId":"2","Item":{"Id":"not a query answer"}},
              {"bId":"7","Item":{"Id":"8"}}
            ]}
            """);

        var answers = QuickBooksClient.Answers(answer.RootElement, Requests);

        Assert.All([answers[0], answers[1], answers[3]], a => Assert.True(a.Error is { IsTransient: true }, a.Error?.Message));
        Assert.Contains("no result for this payload", answers[0].Error!.Message, StringComparison.Ordinal);
        Assert.Contains("no result for this payload", answers[3].Error!.Message, StringComparison.Ordinal);
        Assert.Equal("10000", answers[1].Error!.ErrorCode);
        Assert.Equal((null, 0), (answers[2].Error, answers[2].Found.Count)); // a query answered with an entity: nothing found, not a failure
    }
}
