using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ThreadsByCreationTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chatkit_threads_UserId_Sequence",
                table: "chatkit_threads");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_threads_UserId_CreatedAt_Sequence",
                table: "chatkit_threads",
                columns: new[] { "UserId", "CreatedAt", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chatkit_threads_UserId_CreatedAt_Sequence",
                table: "chatkit_threads");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_threads_UserId_Sequence",
                table: "chatkit_threads",
                columns: new[] { "UserId", "Sequence" });
        }
    }
}
