//! Public intake forms: the practice's form definition, its public links (one general,
//! one per practitioner) and the submissions staff review.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntakeForm {
    Table,
    PracticeId,
    /// JSON: questions, routing and default owner. Holds no client data.
    Definition,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntakeLink {
    Table,
    /// The public, random path segment (`/intake/<id>`).
    Id,
    PracticeId,
    /// `NULL` for the practice's general link.
    StaffId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IntakeSubmission {
    Table,
    Id,
    PracticeId,
    LinkId,
    ClientId,
    DocumentId,
    OwnerId,
    /// An existing client with the same email, or name and date of birth.
    MatchClientId,
    /// `new`, `attached` (merged into the match by staff) or `separate`.
    Status,
    CreatedAt,
    ResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntakeForm::Table)
                    .col(string(IntakeForm::PracticeId).primary_key())
                    .col(text(IntakeForm::Definition))
                    .col(timestamp_with_time_zone(IntakeForm::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeForm::Table, IntakeForm::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeLink::Table)
                    .col(string(IntakeLink::Id).primary_key())
                    .col(string(IntakeLink::PracticeId))
                    .col(string_null(IntakeLink::StaffId))
                    .col(timestamp_with_time_zone(IntakeLink::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeLink::Table, IntakeLink::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(IntakeLink::Table, IntakeLink::StaffId).to(Staff::Table, Staff::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_intake_link_practice_staff")
                    .table(IntakeLink::Table)
                    .col(IntakeLink::PracticeId)
                    .col(IntakeLink::StaffId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeSubmission::Table)
                    .col(string(IntakeSubmission::Id).primary_key())
                    .col(string(IntakeSubmission::PracticeId))
                    .col(string(IntakeSubmission::LinkId))
                    .col(string(IntakeSubmission::ClientId))
                    .col(string(IntakeSubmission::DocumentId))
                    .col(string(IntakeSubmission::OwnerId))
                    .col(string_null(IntakeSubmission::MatchClientId))
                    .col(string(IntakeSubmission::Status))
                    .col(timestamp_with_time_zone(IntakeSubmission::CreatedAt))
                    .col(timestamp_with_time_zone_null(IntakeSubmission::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeSubmission::Table, IntakeSubmission::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeSubmission::Table, IntakeSubmission::LinkId)
                            .to(IntakeLink::Table, IntakeLink::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_intake_submission_practice_created")
                    .table(IntakeSubmission::Table)
                    .col(IntakeSubmission::PracticeId)
                    .col(IntakeSubmission::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IntakeSubmission::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(IntakeLink::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(IntakeForm::Table).to_owned()).await
    }
}
