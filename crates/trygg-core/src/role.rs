//! Roles: what a signed-in user (or the anonymous public) may do.

use crate::org::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// A user's role. Every route declares the roles that may use it.
    Role {
        /// Manages users and configuration.
        Admin = "admin",
        /// Trygghetssamordnare: keeps the situational picture, plans and reports.
        Coordinator = "coordinator",
        /// Member of the steering group: reads, prioritises, decides.
        Steering = "steering",
        /// Member of a preparation or working group.
        Member = "member",
        /// A partner organisation's staff (police, property owner, …).
        Partner = "partner",
        /// Social services: the only role that sees serious-talk records.
        SocialServices = "social_services",
        /// Anyone, not signed in.
        Public = "public",
    }
}

impl Role {
    /// The roles a user account can hold (every role but `public`).
    pub fn assignable() -> impl Iterator<Item = Role> {
        Self::ALL.iter().copied().filter(|r| *r != Role::Public)
    }
}
